"""Shared by the scripts that ask Spark for expected answers: a local PySpark 3.3 session in UTC,
run from the project root (Java 17 found through `java` when JAVA_HOME is unset)."""
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def spark_session(**settings):
    if "JAVA_HOME" not in os.environ and shutil.which("java"):
        java = Path(os.path.realpath(shutil.which("java")))
        os.environ["JAVA_HOME"] = str(java.parent.parent)
    os.chdir(ROOT)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
    )
    # Further settings by keyword, underscores standing for dots (spark_sql_warehouse_dir=...).
    for key, value in settings.items():
        builder = builder.config(key.replace("_", "."), value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
