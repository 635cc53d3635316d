#!/usr/bin/env bash
# A Spark cluster on 127.0.0.1 from the pip wheels, for trying and testing the cluster routes.
#   scripts/spark-cluster.sh start     standalone master + 1 worker (Spark 3.3, .venv) on :7077,
#                                      and a Spark Connect server (Spark 4.x, .venv-spark4) on
#                                      :15002; waits until both answer
#   scripts/spark-cluster.sh stop      stops them by their recorded PIDs
#   scripts/spark-cluster.sh env       prints the variables that point engine at them
# State (PIDs, logs, work dirs) lives in target/spark-cluster. Needs Java 17; installs the
# wheels first (scripts/venv.sh spark, and pyspark 4 into .venv-spark4).
# SPARK_CLUSTER_CONNECT=0 skips the Connect server.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE="$ROOT/target/spark-cluster"
SPARK4_VERSION=$(sed -n 's/^pyspark==//p' scripts/requirements-spark4.txt)

spark_home() { "$1/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'; }

java_home() {
  if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    export JAVA_HOME
  fi
}

# Start a JVM daemon in the background, recording its PID (spark-class ends in `exec java`).
daemon() {
  local name=$1
  shift
  "$@" >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

# Stop the daemon recorded under NAME: SIGTERM to that PID, if it is still a Spark JVM.
stop_one() {
  local pidfile="$STATE/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'org.apache.spark'; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -d "/proc/$pid" ] || break
      sleep 0.2
    done
    [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

wait_for() {
  local what=$1 check=$2 seconds=$3
  local pid
  pid=$(cat "$STATE/$what.pid")
  for _ in $(seq 1 "$seconds"); do
    if eval "$check"; then
      return 0
    fi
    [ -d "/proc/$pid" ] || break
    sleep 1
  done
  echo "spark-cluster: $what did not come up in ${seconds}s; its log:" >&2
  tail -20 "$STATE/$what.log" >&2 || true
  return 1
}

start() {
  java_home
  scripts/venv.sh spark
  mkdir -p "$STATE/work" "$STATE/conf" "$STATE/local"
  # Spark's own log: warnings only, to stderr.
  cat >"$STATE/conf/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.connect.name = org.apache.spark.sql.connect.service
logger.connect.level = info
EOF
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_DAEMON_MEMORY=256m SPARK_CONF_DIR="$STATE/conf" \
    SPARK_LOG_DIR="$STATE" SPARK_LOCAL_DIRS="$STATE/local" SPARK_WORKER_DIR="$STATE/work"
  local spark3
  spark3=$(spark_home .venv)
  if [ ! -f "$STATE/master.pid" ]; then
    SPARK_HOME="$spark3" daemon master "$spark3/bin/spark-class" org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port 7077 --webui-port 8080
    SPARK_HOME="$spark3" daemon worker "$spark3/bin/spark-class" org.apache.spark.deploy.worker.Worker \
      spark://127.0.0.1:7077 --host 127.0.0.1 --cores 2 --memory 2g --webui-port 8081 \
      --work-dir "$STATE/work"
  fi
  if [ "${SPARK_CLUSTER_CONNECT:-1}" != 0 ] && [ ! -f "$STATE/connect.pid" ]; then
    if [ ! -x .venv-spark4/bin/python ]; then
      python3 -m venv .venv-spark4
    fi
    .venv-spark4/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-spark4.txt
    local spark4
    spark4=$(spark_home .venv-spark4)
    SPARK_HOME="$spark4" SPARK_DAEMON_MEMORY= daemon connect "$spark4/bin/spark-submit" \
      --class org.apache.spark.sql.connect.service.SparkConnectServer --master 'local[2]' \
      --driver-memory 1g \
      --conf spark.connect.grpc.binding.address=127.0.0.1 \
      --conf spark.connect.grpc.binding.port=15002 \
      --conf spark.driver.extraJavaOptions=-Duser.timezone=UTC \
      --conf spark.ui.enabled=false --name engine-connect-server
  fi
  wait_for master "curl -sf http://127.0.0.1:8080/json/ | grep -q '\"aliveworkers\" : 1'" 120
  if [ -f "$STATE/connect.pid" ]; then
    wait_for connect "grep -q 'Spark Connect server started' '$STATE/connect.log'" 120
  fi
  echo "spark-cluster: spark://127.0.0.1:7077 (Spark $SPARK_VERSION3) and sc://127.0.0.1:15002 (Spark $SPARK4_VERSION) are up"
}

case "${1:-}" in
  start)
    SPARK_VERSION3=$(sed -n 's/^pyspark==//p' scripts/requirements-spark.txt)
    start
    ;;
  stop)
    stop_one connect
    stop_one worker
    stop_one master
    ;;
  env)
    echo "export SPARK_HOME=$(spark_home .venv)"
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
