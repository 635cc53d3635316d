//! A job for a Spark cluster: what a command becomes when `--master` names a cluster. Read
//! steps (each input with every read option spelled out), SQL statements, DataFrame verbs in
//! the command's order, and actions whose results come back (rows, a count, a schema, a plan)
//! or stay on the cluster (a write). Both routes carry out the same job: the spark-submit
//! driver reads it as JSON, the Spark Connect client walks it directly.

use serde_json::{json, Value};

/// One DataFrame verb of `engine query`, its expressions as Spark SQL text.
#[derive(Debug, Clone)]
pub enum Verb {
    Filter(String),
    Select(Vec<String>),
    WithColumn {
        name: String,
        expr: String,
    },
    Drop(Vec<String>),
    Rename {
        old: String,
        new: String,
    },
    Aggregate {
        keys: Vec<String>,
        aggregates: Vec<String>,
    },
    /// Joined with the frame `right`: on shared column names (`using`) or a condition.
    Join {
        right: String,
        using: Option<Vec<String>>,
        condition: Option<String>,
        /// Spark's join type name: inner, left, right, full, left_semi, left_anti.
        how: String,
    },
    Union {
        other: String,
        by_name: bool,
    },
    Distinct,
    OrderBy(Vec<crate::expr::spark_text::SortText>),
    Limit(usize),
}

/// A write on the cluster: `df.write.format(f).mode(m).options(...).partitionBy(...).save(path)`.
#[derive(Debug, Clone)]
pub struct WriteSpec {
    pub path: String,
    pub format: &'static str,
    /// Spark's save mode name: error, overwrite, append, ignore.
    pub mode: &'static str,
    pub options: Vec<(String, String)>,
    pub partition_by: Vec<String>,
    pub repartition: Option<usize>,
    pub coalesce: Option<usize>,
}

/// What an action asks of a frame.
#[derive(Debug, Clone)]
pub enum Action {
    /// The rows (at most `limit`), back to the engine.
    Collect {
        limit: Option<usize>,
    },
    Count,
    Schema,
    /// Spark's plan, as `df.explain()` prints it.
    Explain,
    Write(WriteSpec),
}

/// One step, run in order.
#[derive(Debug, Clone)]
pub enum Step {
    /// `spark.read.format(f).options(...).schema(ddl).load(paths)`, named `name`, aliased as a
    /// table qualifier, and registered as the temp view `view`.
    Read {
        name: String,
        format: &'static str,
        paths: Vec<String>,
        options: Vec<(String, String)>,
        schema: Option<String>,
        alias: Option<String>,
        view: Option<String>,
    },
    /// A statement run for its effect (a view, a SET, a DROP).
    Statement(String),
    /// A query, named `name`, run when an action needs it.
    Query {
        name: String,
        text: String,
    },
    Verb {
        name: String,
        input: String,
        verb: Verb,
    },
    Action {
        frame: String,
        action: Action,
    },
}

/// The whole job.
#[derive(Debug, Clone, Default)]
pub struct Job {
    /// The Spark application's name (what the History Server lists).
    pub app_name: String,
    pub steps: Vec<Step>,
    frames: usize,
}

impl Job {
    pub fn new(app_name: impl Into<String>) -> Job {
        Job {
            app_name: app_name.into(),
            ..Job::default()
        }
    }

    /// A fresh frame name.
    pub fn frame_name(&mut self) -> String {
        self.frames += 1;
        format!("f{}", self.frames)
    }

    /// Apply `verb` to `input`; the new frame's name.
    pub fn verb(&mut self, input: &str, verb: Verb) -> String {
        let name = self.frame_name();
        self.steps.push(Step::Verb {
            name: name.clone(),
            input: input.to_string(),
            verb,
        });
        name
    }

    /// A query over the session's views; the frame's name.
    pub fn query(&mut self, text: String) -> String {
        let name = self.frame_name();
        self.steps.push(Step::Query {
            name: name.clone(),
            text,
        });
        name
    }

    pub fn action(&mut self, frame: &str, action: Action) {
        self.steps.push(Step::Action {
            frame: frame.to_string(),
            action,
        });
    }

    /// The actions, in order (their results come back in this order).
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.steps.iter().filter_map(|s| match s {
            Step::Action { action, .. } => Some(action),
            _ => None,
        })
    }

    /// The job as the spark-submit driver reads it.
    pub fn to_json(&self, session_conf: &[(String, String)]) -> Value {
        let pairs = |pairs: &[(String, String)]| -> Value {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            )
        };
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|step| match step {
                Step::Read {
                    name,
                    format,
                    paths,
                    options,
                    schema,
                    alias,
                    view,
                } => json!({
                    "op": "read", "output": name, "format": format, "paths": paths,
                    "options": pairs(options), "schema": schema, "alias": alias, "view": view,
                }),
                Step::Statement(text) => json!({"op": "statement", "text": text}),
                Step::Query { name, text } => {
                    json!({"op": "query", "output": name, "text": text})
                }
                Step::Verb { name, input, verb } => {
                    let mut value = verb_json(verb);
                    value["op"] = json!("verb");
                    value["output"] = json!(name);
                    value["input"] = json!(input);
                    value
                }
                Step::Action { frame, action } => {
                    let mut value = match action {
                        Action::Collect { limit } => json!({"action": "collect", "limit": limit}),
                        Action::Count => json!({"action": "count"}),
                        Action::Schema => json!({"action": "schema"}),
                        Action::Explain => json!({"action": "explain"}),
                        Action::Write(w) => json!({
                            "action": "write", "path": w.path, "format": w.format,
                            "mode": w.mode, "options": pairs(&w.options),
                            "partition_by": w.partition_by, "repartition": w.repartition,
                            "coalesce": w.coalesce,
                        }),
                    };
                    value["op"] = json!("action");
                    value["frame"] = json!(frame);
                    value
                }
            })
            .collect();
        json!({
            "app_name": self.app_name,
            "session_conf": pairs(session_conf),
            "steps": steps,
        })
    }
}

fn verb_json(verb: &Verb) -> Value {
    match verb {
        Verb::Filter(condition) => json!({"verb": "filter", "condition": condition}),
        Verb::Select(items) => json!({"verb": "select", "items": items}),
        Verb::WithColumn { name, expr } => {
            json!({"verb": "with_column", "name": name, "expr": expr})
        }
        Verb::Drop(columns) => json!({"verb": "drop", "columns": columns}),
        Verb::Rename { old, new } => json!({"verb": "rename", "old": old, "new": new}),
        Verb::Aggregate { keys, aggregates } => {
            json!({"verb": "aggregate", "keys": keys, "aggregates": aggregates})
        }
        Verb::Join {
            right,
            using,
            condition,
            how,
        } => json!({
            "verb": "join", "right": right, "using": using, "condition": condition, "how": how,
        }),
        Verb::Union { other, by_name } => {
            json!({"verb": "union", "other": other, "by_name": by_name})
        }
        Verb::Distinct => json!({"verb": "distinct"}),
        Verb::OrderBy(items) => json!({
            "verb": "order_by",
            "items": items.iter().map(|i| json!({
                "expr": i.expr, "ascending": i.ascending, "nulls_first": i.nulls_first,
            })).collect::<Vec<_>>(),
        }),
        Verb::Limit(n) => json!({"verb": "limit", "n": n}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_driver_gets_every_verb_field_and_the_frame_names_apart() {
        let mut job = Job::new("t");
        job.steps.push(Step::Read {
            name: "f0".into(),
            format: "csv",
            paths: vec!["file:///x.csv".into()],
            options: vec![("header".into(), "true".into())],
            schema: Some("a INT".into()),
            alias: Some("x".into()),
            view: None,
        });
        let out = job.verb(
            "f0",
            Verb::WithColumn {
                name: "a".into(),
                expr: "a + 1".into(),
            },
        );
        job.action(&out, Action::Collect { limit: Some(3) });
        let value = job.to_json(&[("k".into(), "v".into())]);
        let steps = value["steps"].as_array().unwrap();
        assert_eq!(steps[0]["output"], "f0");
        assert_eq!(steps[0]["options"]["header"], "true");
        assert_eq!(steps[1]["name"], "a");
        assert_eq!(steps[1]["output"], out);
        assert_eq!(steps[1]["input"], "f0");
        assert_eq!(steps[2]["frame"], out);
        assert_eq!(steps[2]["limit"], 3);
        assert_eq!(value["session_conf"]["k"], "v");
        assert_eq!(job.actions().count(), 1);
    }
}
