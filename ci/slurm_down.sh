#!/usr/bin/env bash
# ci/slurm_down.sh - stop the test cluster of ci/slurm_up.sh: the daemons start_slurm.sh (or slurm_up.sh,
# when it restarted them for the fake GPUs) recorded, by PID only (../shared/tools/slurm/stop_slurm.sh),
# and the gres.conf slurm_up.sh wrote. Never fails: it runs from a trap.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${SUBFLOW_SLURM_TOOLS:-$ROOT/../shared/tools/slurm}
GRES_CONF=/etc/slurm/gres.conf

if [ -x "$TOOLS/stop_slurm.sh" ]; then
  "$TOOLS/stop_slurm.sh" || echo "[slurm_down] stop_slurm.sh failed" >&2
fi
if [ -f "$GRES_CONF" ] && grep -qF "# written by subflow ci/slurm_up.sh" "$GRES_CONF"; then
  rm -f "$GRES_CONF"
fi
exit 0
