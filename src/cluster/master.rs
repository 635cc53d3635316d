//! Where a command runs (`--master`), whether that cluster is on this machine and answers, and
//! the settings every cluster session gets so that its output is the engine's.

use crate::error::{Error, Result};

/// Where a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Master {
    /// In this process, on N threads.
    Local(usize),
    /// Spark Connect: `sc://host:port[/;params]`.
    Connect(String),
    /// `spark-submit --master <url>`: `spark://...`, `yarn`, `k8s://...`, `mesos://...`.
    Submit(String),
}

impl Master {
    pub fn parse(text: &str) -> Result<Master> {
        let text = text.trim();
        if text.starts_with("local") {
            return crate::runtime::parse_master(text).map(Master::Local);
        }
        if text.starts_with("sc://") {
            return Ok(Master::Connect(text.to_string()));
        }
        if text.starts_with("spark://")
            || text == "yarn"
            || text.starts_with("k8s://")
            || text.starts_with("mesos://")
        {
            return Ok(Master::Submit(text.to_string()));
        }
        Err(Error::usage(format!(
            "invalid --master '{text}': expected local, local[N], local[*], sc://host:port \
             (Spark Connect), spark://host:port, yarn or k8s://https://host:port"
        )))
    }

    /// The master URL as Spark writes it.
    pub fn url(&self) -> String {
        match self {
            Master::Local(n) => format!("local[{n}]"),
            Master::Connect(url) | Master::Submit(url) => url.clone(),
        }
    }

    /// Whether the cluster's machines are this one (every host named is a loopback name), so
    /// local `file:` paths are where its executors look.
    pub fn on_this_machine(&self) -> bool {
        let hosts = match self {
            Master::Local(_) => return true,
            Master::Connect(url) => url.trim_start_matches("sc://"),
            Master::Submit(url) => match url.strip_prefix("spark://") {
                Some(rest) => rest,
                None => return false,
            },
        };
        let hosts = hosts.split(['/', ';']).next().unwrap_or_default();
        hosts.split(',').all(|host_port| {
            let host = match host_port.rsplit_once(':') {
                Some((host, _)) => host,
                None => host_port,
            };
            matches!(
                host.trim_matches(['[', ']']),
                "localhost" | "127.0.0.1" | "::1"
            )
        })
    }
}

/// Settings every session gets, so the cluster's output is the engine's: UTC wall clock (the
/// engine's session time zone), Parquet timestamps as INT64 microseconds (not Spark's INT96),
/// and Spark 3.3's non-ANSI arithmetic and casts, which the engine follows (Spark 4 turns ANSI
/// mode on by default: 1 / 0 fails there instead of giving null).
pub fn session_conf() -> Vec<(String, String)> {
    vec![
        ("spark.sql.session.timeZone".into(), "UTC".into()),
        ("spark.sql.ansi.enabled".into(), "false".into()),
        (
            "spark.sql.parquet.outputTimestampType".into(),
            "TIMESTAMP_MICROS".into(),
        ),
    ]
}

/// Fail at once when nothing listens at a master's address (`sc://host:port/;params`,
/// `spark://host:port[,host:port]`): the Connect client would retry for minutes, and a
/// standalone driver waits a minute for its master, before saying so.
pub fn check_reachable(url: &str, default_port: u16) -> Result<()> {
    use std::net::ToSocketAddrs;
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authorities = rest.split(['/', ';']).next().unwrap_or_default();
    let mut last = String::from("no address");
    for authority in authorities.split(',') {
        let has_port = authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.parse::<u16>().is_ok());
        let address = if has_port {
            authority.to_string()
        } else {
            format!("{authority}:{default_port}")
        };
        let sockets = match address.to_socket_addrs() {
            Ok(sockets) => sockets,
            Err(e) => {
                last = format!("{address}: {e}");
                continue;
            }
        };
        for socket in sockets {
            match std::net::TcpStream::connect_timeout(&socket, std::time::Duration::from_secs(10))
            {
                Ok(_) => return Ok(()),
                Err(e) => last = format!("{address}: {e}"),
            }
        }
    }
    Err(Error::Dataset(format!("cannot reach {url}: {last}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masters_route_and_know_their_machine() {
        assert_eq!(Master::parse("local[2]").unwrap(), Master::Local(2));
        assert!(matches!(
            Master::parse("sc://localhost:15002").unwrap(),
            Master::Connect(_)
        ));
        assert!(matches!(
            Master::parse("spark://127.0.0.1:7077").unwrap(),
            Master::Submit(_)
        ));
        assert!(matches!(Master::parse("yarn").unwrap(), Master::Submit(_)));
        assert_eq!(Master::parse("mars://x").unwrap_err().exit_code(), 2);
        assert_eq!(Master::parse("local[0]").unwrap_err().exit_code(), 2);
        for (url, here) in [
            ("spark://127.0.0.1:7077", true),
            ("spark://localhost:7077,127.0.0.1:7078", true),
            ("spark://10.0.0.5:7077", false),
            ("sc://localhost:15002/;user_id=me", true),
            ("sc://spark.example.com:15002", false),
            ("yarn", false),
        ] {
            assert_eq!(Master::parse(url).unwrap().on_this_machine(), here, "{url}");
        }
    }
}
