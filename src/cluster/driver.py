"""engine's generic Spark driver, run by `spark-submit` for `engine --master spark://... | yarn | k8s://...`.

    spark-submit [options] driver.py JOB.json RESULTS_DIR

JOB.json is the job the engine translated (read steps, SQL statements, DataFrame verbs, actions);
this file only carries it out, step by step, with PySpark's own API. Each action writes its
result into RESULTS_DIR as NNNN.json (schema, count, plan) and, for rows, NNNN.arrow (an Arrow IPC
stream the engine decodes and prints with its own show/CSV/JSON code). Nothing is printed on
stdout: spark-submit merges a Python driver's stderr into stdout, so data goes only to files and
a failure to RESULTS_DIR/error.json. Works with PySpark 3.3 and 4.x.
"""

import json
import os
import sys


def write_json(directory, name, value):
    path = os.path.join(directory, name)
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(value, out)
    os.replace(path + ".tmp", path)


def error_record(error):
    """One error as the engine reports it: Spark's error class, SQL state and first lines."""
    error_class = None
    sql_state = None
    for name, getter in (("class", "getErrorClass"), ("state", "getSqlState")):
        method = getattr(error, getter, None)
        if callable(method):
            try:
                value = method()
            except Exception:  # noqa: BLE001 - older PySpark: not available
                value = None
            if name == "class":
                error_class = value
            else:
                sql_state = value
    java = getattr(error, "java_exception", None)
    if java is not None:
        # A Py4JJavaError: the Java exception's own message, innermost cause first when the
        # outer one only wraps it (SparkException: Job aborted due to ...).
        message = str(java.toString())
        cause = java.getCause()
        while cause is not None and cause.getCause() is not None:
            cause = cause.getCause()
        if cause is not None:
            message = str(cause.toString())
    else:
        message = str(error)
    return {
        "error_class": error_class,
        "sql_state": sql_state,
        "message": message.strip(),
        "kind": type(error).__name__,
    }


def sort_column(functions, item):
    column = functions.expr(item["expr"])
    if item["ascending"]:
        return column.asc_nulls_first() if item["nulls_first"] else column.asc_nulls_last()
    return column.desc_nulls_first() if item["nulls_first"] else column.desc_nulls_last()


def apply_verb(functions, frames, df, verb):
    kind = verb["verb"]
    if kind == "filter":
        return df.filter(functions.expr(verb["condition"]))
    if kind == "select":
        return df.selectExpr(*verb["items"])
    if kind == "with_column":
        return df.withColumn(verb["name"], functions.expr(verb["expr"]))
    if kind == "drop":
        return df.drop(*verb["columns"])
    if kind == "rename":
        return df.withColumnRenamed(verb["old"], verb["new"])
    if kind == "aggregate":
        keys = [functions.expr(k) for k in verb["keys"]]
        aggregates = [functions.expr(a) for a in verb["aggregates"]]
        return df.groupBy(*keys).agg(*aggregates)
    if kind == "join":
        other = frames[verb["right"]]
        if verb.get("using") is not None:
            return df.join(other, verb["using"], verb["how"])
        return df.join(other, functions.expr(verb["condition"]), verb["how"])
    if kind == "union":
        other = frames[verb["other"]]
        return df.unionByName(other) if verb["by_name"] else df.union(other)
    if kind == "distinct":
        return df.distinct()
    if kind == "order_by":
        return df.orderBy(*[sort_column(functions, item) for item in verb["items"]])
    if kind == "limit":
        return df.limit(verb["n"])
    raise ValueError("unknown verb " + kind)


def explain_string(spark, df):
    """What df.explain() prints, as text."""
    jvm = spark.sparkContext._jvm
    return str(jvm.PythonSQLUtils.explainString(df._jdf.queryExecution(), "simple"))


def write_rows(df, path):
    """The rows as an Arrow IPC stream (the schema travels in the NNNN.json beside it)."""
    try:
        import pyarrow as pa
    except ImportError as missing:
        raise RuntimeError(
            "the spark-submit route needs pyarrow in the driver's Python "
            "(PYSPARK_PYTHON): pip install pyarrow"
        ) from missing
    batches = df._collect_as_arrow()
    if batches:
        schema = batches[0].schema
    else:
        schema = pa.schema([])
    with pa.OSFile(path, "wb") as sink:
        with pa.ipc.new_stream(sink, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)


def run_action(spark, frames, step, directory, number):
    df = frames[step["frame"]]
    kind = step["action"]
    name = "%04d" % number
    if kind == "collect":
        if step.get("limit") is not None:
            df = df.limit(step["limit"])
        schema = df.schema.json()
        write_rows(df, os.path.join(directory, name + ".arrow"))
        write_json(directory, name + ".json", {"schema": json.loads(schema)})
    elif kind == "count":
        write_json(directory, name + ".json", {"count": df.count()})
    elif kind == "schema":
        write_json(directory, name + ".json", {"schema": json.loads(df.schema.json())})
    elif kind == "explain":
        write_json(directory, name + ".json", {"plan": explain_string(spark, df)})
    elif kind == "write":
        if step.get("repartition"):
            df = df.repartition(step["repartition"])
        elif step.get("coalesce"):
            df = df.coalesce(step["coalesce"])
        writer = df.write.format(step["format"]).mode(step["mode"])
        for key, value in step["options"].items():
            writer = writer.option(key, value)
        if step["partition_by"]:
            writer = writer.partitionBy(*step["partition_by"])
        writer.save(step["path"])
        write_json(directory, name + ".json", {"written": step["path"]})
    else:
        raise ValueError("unknown action " + kind)


def run(spark, job, directory):
    from pyspark.sql import functions

    frames = {}
    actions = 0
    for step in job["steps"]:
        op = step["op"]
        if op == "read":
            reader = spark.read.format(step["format"])
            for key, value in step["options"].items():
                reader = reader.option(key, value)
            if step.get("schema"):
                reader = reader.schema(step["schema"])
            df = reader.load(step["paths"])
            if step.get("alias"):
                df = df.alias(step["alias"])
            frames[step["output"]] = df
            if step.get("view"):
                df.createOrReplaceTempView(step["view"])
        elif op == "statement":
            spark.sql(step["text"]).collect()
        elif op == "query":
            frames[step["output"]] = spark.sql(step["text"])
        elif op == "verb":
            frames[step["output"]] = apply_verb(functions, frames, frames[step["input"]], step)
        elif op == "action":
            run_action(spark, frames, step, directory, actions)
            actions += 1
        else:
            raise ValueError("unknown step " + op)


def main():
    job_path, directory = sys.argv[1], sys.argv[2]
    with open(job_path, encoding="utf-8") as source:
        job = json.load(source)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(job["app_name"])
    spark = builder.getOrCreate()
    context = spark.sparkContext
    write_json(
        directory,
        "app.json",
        {"app_id": context.applicationId, "master": context.master, "version": spark.version},
    )
    try:
        for key, value in job["session_conf"].items():
            spark.conf.set(key, value)
        run(spark, job, directory)
    except Exception as error:  # noqa: BLE001 - every failure becomes one engine error
        write_json(directory, "error.json", error_record(error))
        spark.stop()
        sys.exit(1)
    spark.stop()


if __name__ == "__main__":
    main()
