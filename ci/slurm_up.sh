#!/usr/bin/env bash
# ci/slurm_up.sh - bring up the single-node SLURM cluster the `slurm` tests run on (as root).
#
# ../shared/tools/slurm/start_slurm.sh installs and starts slurmctld, slurmd, munge and slurmdbd with a
# local MariaDB (so sacct works), idempotently. On top of it, SUBFLOW_SLURM_FAKE_GPUS=N (default 2) gives
# the node N gpu GRES backed by /dev/null-like files: no CUDA, but SLURM schedules `--gpus=1` jobs and
# sets CUDA_VISIBLE_DEVICES, which tests/slurm/test_gpu_scope.py needs to show how many GPU jobs run at
# once. N=0 leaves the cluster exactly as start_slurm.sh made it. If the GRES step fails, the plain
# cluster is restored and this still succeeds (the GPU test then skips).
#
# Exit 0: a node is idle and takes jobs. Otherwise 1, with the reason; the slurm tests then skip.
# Stop it with ci/slurm_down.sh. Knobs of start_slurm.sh (SLURM_ACCOUNTING, SLURM_STATE_DIR, ...) pass through.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${SUBFLOW_SLURM_TOOLS:-$ROOT/../shared/tools/slurm}
FAKE_GPUS=${SUBFLOW_SLURM_FAKE_GPUS:-2}
STATE_DIR=${SLURM_STATE_DIR:-${TMPDIR:-/tmp}/single-node-slurm}
START_TIMEOUT_S=${SUBFLOW_SLURM_START_TIMEOUT_S:-600}
GRES_CONF=/etc/slurm/gres.conf
GRES_MARK="# written by subflow ci/slurm_up.sh"
FAKE_FILES=(/dev/null /dev/zero /dev/full /dev/urandom)

log() { echo "[slurm_up $(date +%T)] $*"; }
fail() { echo "[slurm_up] cannot start SLURM: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (start_slurm.sh installs packages and starts daemons)"
[ -x "$TOOLS/start_slurm.sh" ] || fail "$TOOLS/start_slurm.sh not found (../shared beside the project?)"

# A gres.conf left by an earlier run would name GRES the freshly written slurm.conf does not declare.
if [ -f "$GRES_CONF" ] && grep -qF "$GRES_MARK" "$GRES_CONF"; then rm -f "$GRES_CONF"; fi

timeout "$START_TIMEOUT_S" "$TOOLS/start_slurm.sh" || fail "start_slurm.sh failed or took over ${START_TIMEOUT_S}s"

node_state() { sinfo -h -n "$(hostname -s)" -o %T 2>/dev/null || true; }

# restart DAEMON: stop the running one (the PID start_slurm.sh or we recorded), start it, record it again,
# so that stop_slurm.sh stops the new one.
restart() {
  local name=$1 pidfile=/run/slurm/$1.pid pid
  pid=$(tr -dc 0-9 < "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ]; then
    kill "$pid"
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -f "$pidfile"
  "/usr/sbin/$name"
  for _ in $(seq 60); do [ -s "$pidfile" ] && break; sleep 0.5; done
  [ -s "$pidfile" ] || return 1
  mkdir -p "$STATE_DIR/pids" && cp "$pidfile" "$STATE_DIR/pids/$name.pid"
}

wait_gres() { # the node idle again and showing N gpus
  for _ in $(seq 60); do
    case "$(node_state)" in
      idle|mixed) sinfo -h -o %G | grep -q "gpu:$FAKE_GPUS" && return 0 ;;
      *drain*|down*) scontrol update NodeName="$(hostname -s)" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 1
  done
  return 1
}

add_fake_gpus() {
  [ "$FAKE_GPUS" -le "${#FAKE_FILES[@]}" ] || { log "at most ${#FAKE_FILES[@]} fake GPUs"; return 1; }
  local conf=/etc/slurm/slurm.conf i
  { echo "$GRES_MARK: $FAKE_GPUS fake GPUs, no CUDA behind them"
    for ((i = 0; i < FAKE_GPUS; i++)); do echo "NodeName=$(hostname -s) Name=gpu File=${FAKE_FILES[$i]}"; done
  } > "$GRES_CONF"
  grep -q '^GresTypes=gpu' "$conf" || sed -i 's/^SchedulerType=/GresTypes=gpu\nSchedulerType=/' "$conf"
  sed -i "s/^\(NodeName=$(hostname -s) .*\)\$/\1 Gres=gpu:$FAKE_GPUS/" "$conf"
  restart slurmctld && sleep 1 && restart slurmd && wait_gres
}

if [ "$FAKE_GPUS" -gt 0 ]; then
  if sinfo -h -o %G | grep -q "gpu:$FAKE_GPUS"; then
    log "node already has $FAKE_GPUS gpu GRES"
  elif add_fake_gpus; then
    log "node has $FAKE_GPUS fake GPUs (gpu GRES, no CUDA)"
  else
    log "could not add fake GPUs; restoring the plain cluster (the GPU scope test will skip)"
    rm -f "$GRES_CONF"
    timeout "$START_TIMEOUT_S" "$TOOLS/start_slurm.sh" || fail "start_slurm.sh failed restoring the plain cluster"
  fi
fi

state=$(node_state)
case "$state" in idle|mixed|allocated) ;; *) fail "node state '$state' after start (see /var/log/slurm/)";; esac
sinfo -o "%P %a %D %T %c %m %G"
