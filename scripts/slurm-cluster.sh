#!/usr/bin/env bash
# A one-node Slurm cluster for netspace's tests and benchmarks: munged, slurmctld and slurmd from Debian's packages,
# run as root without systemd, with a key, config, state and spool of their own under one folder.
#
#   scripts/slurm-cluster.sh start    start what is not running yet (idempotent); waits until the node is idle
#   scripts/slurm-cluster.sh stop     cancel the cluster's jobs and stop the daemons this script started
#   scripts/slurm-cluster.sh status   exit 0 when all three daemons run and the node answers, else 1
#
# Every command prints `SLURM_CONF=<file>` first: export it so that sbatch, squeue, scancel and scontrol talk to
# this cluster. Settings (environment):
#   NETSPACE_SLURM_DIR   the cluster's folder (default /tmp/netspace-slurm)
#   NETSPACE_SLURM_PORT  slurmctld's port; slurmd takes the next one (default 6817)
#   NETSPACE_SLURM_CPUS  CPUs the node declares (default: the machine's, from nproc)
#   NETSPACE_SLURM_GPUS  fake GPUs the node declares as gres (default 2): character devices that only count
#
# Facts behind the config (Slurm 22.05, munge 0.5.15, Debian 12): munged as root wants a key owned by root with mode
# 0600 (Debian's belongs to the munge user) and a socket folder of mode 0755; cred_expire=10 lets a requeued job
# start again after ~12 s instead of 120 s; kill_invalid_depend is a DependencyParameters option in 22.05 (under
# SchedulerParameters it is ignored and a dependency that can never be met waits forever); a gres File must be a
# character device, so the fake GPUs are mknod c 1 3 (the major and minor of /dev/null).
set -euo pipefail

DIR="${NETSPACE_SLURM_DIR:-/tmp/netspace-slurm}"
PORT="${NETSPACE_SLURM_PORT:-6817}"
CPUS="${NETSPACE_SLURM_CPUS:-$(nproc)}"
GPUS="${NETSPACE_SLURM_GPUS:-2}"
NODE=netspace0
CONF="$DIR/etc/slurm.conf"
SOCKET="$DIR/munge/munge.socket.2"
export SLURM_CONF="$CONF"

die() { echo "slurm-cluster: $*" >&2; exit 1; }

# The pid in a pid file when that process is still the daemon this cluster started (its command line names this
# cluster's folder), so that a reused pid is never taken for ours.
ours() {
  local file="$1" pid
  [[ -s "$file" ]] || return 1
  pid="$(tr -dc 0-9 <"$file")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$DIR/" || return 1
  echo "$pid"
}

running() { ours "$DIR/run/$1.pid" >/dev/null; }

# Polls `check` (a function name) every 0.1 s for up to $2 seconds.
wait_for() {
  local check="$1" seconds="$2" i
  for ((i = 0; i < seconds * 10; i++)); do
    "$check" && return 0
    sleep 0.1
  done
  return 1
}

node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1; }
node_ready() { [[ "$(node_state)" =~ ^(idle|mixed|allocated)$ ]]; }
munge_ready() { [[ -S "$SOCKET" ]] && munge -n -S "$SOCKET" 2>/dev/null | unmunge -S "$SOCKET" >/dev/null 2>&1; }
ctld_ready() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

write_config() {
  local memory gres_file=""
  memory=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
  mkdir -p "$DIR"/{etc,state,spool,run,log,dev}
  chmod 0755 "$DIR" "$DIR/etc"
  if (( GPUS > 0 )); then
    for ((g = 0; g < GPUS; g++)); do
      [[ -c "$DIR/dev/gpu$g" ]] || mknod "$DIR/dev/gpu$g" c 1 3
    done
    gres_file="Name=gpu File=$DIR/dev/gpu[0-$((GPUS - 1))]"
  fi
  cat >"$DIR/etc/gres.conf" <<EOF
# Fake GPUs: character devices that only let Slurm count them and set CUDA_VISIBLE_DEVICES per task.
AutoDetect=off
$gres_file
EOF
  cat >"$CONF" <<EOF
# Written by netspace's scripts/slurm-cluster.sh: a one-node test cluster, everything under $DIR.
ClusterName=netspace
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET,cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
# A requeued job becomes eligible ~cred_expire s after its end; without short intervals it then waits for the next
# periodic pass (30-60 s).
SchedulerParameters=bf_interval=1,sched_interval=1
DependencyParameters=kill_invalid_depend
# Finished jobs stay visible to scontrol for 5 minutes (tests read their end states), then go.
MinJobAge=300
KillWait=5
InactiveLimit=0
ReturnToService=2
SlurmdParameters=config_overrides
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$CPUS RealMemory=$memory $( ((GPUS > 0)) && echo "Gres=gpu:$GPUS") State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  running munged && return 0
  mkdir -p "$DIR/munge"
  # munged refuses a key or socket folder that others could write or read.
  chmod 0755 "$DIR/munge"
  if [[ ! -s "$DIR/munge/munge.key" ]]; then
    mungekey --create --keyfile="$DIR/munge/munge.key"
  fi
  chown root:root "$DIR/munge/munge.key"
  chmod 0600 "$DIR/munge/munge.key"
  rm -f "$SOCKET" "$SOCKET.lock"
  munged --socket="$SOCKET" --key-file="$DIR/munge/munge.key" --pid-file="$DIR/run/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed"
  wait_for munge_ready 10 || die "munged did not come up (see $DIR/log/munged.log)"
}

start_ctld() {
  running slurmctld && return 0
  slurmctld -f "$CONF" -i
  wait_for ctld_ready 20 || die "slurmctld did not come up (see $DIR/log/slurmctld.log)"
}

start_slurmd() {
  running slurmd && return 0
  slurmd -f "$CONF" -N "$NODE"
}

cmd_start() {
  for tool in munged mungekey slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install slurm-wlm munge)"
  done
  [[ "$(id -u)" == 0 ]] || die "the test cluster runs as root (SlurmUser=root)"
  local t0=$SECONDS
  # The config is rewritten only while no daemon reads it.
  if ! running slurmctld && ! running slurmd; then write_config; fi
  start_munge
  start_ctld
  start_slurmd
  if ! wait_for node_ready 30; then
    # A node left down or drained by an earlier session comes back.
    scontrol update nodename="$NODE" state=resume 2>/dev/null || true
    wait_for node_ready 30 || die "node $NODE is $(node_state) (see $DIR/log/slurmd.log)"
  fi
  echo "slurm-cluster: node $NODE $(node_state), $CPUS CPUs, $GPUS fake GPUs; up after $((SECONDS - t0)) s"
}

# Sends TERM to the daemons named (those this script started), then waits for all of them together: each takes
# ~2 s to exit, so one after the other would take three times as long. KILL after 10 s.
stop_daemons() {
  local pids=() pid i
  for name in "$@"; do
    if pid="$(ours "$DIR/run/$name.pid")"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for ((i = 0; i < 100; i++)); do
    local alive=0
    for pid in "${pids[@]}"; do [[ -d "/proc/$pid" ]] && alive=1; done
    ((alive == 0)) && return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

no_jobs() { [[ -z "$(squeue -h -o %i 2>/dev/null)" ]]; }
# Job steps (slurmstepd) outlive slurmd; each holds a socket <node>_<job>.<step> in the spool folder while it runs.
no_steps() { ! compgen -G "$DIR/spool/${NODE}_*" >/dev/null; }

cmd_stop() {
  if running slurmctld; then
    local users
    users="$(squeue -h -o %u 2>/dev/null | sort -u | paste -sd, -)"
    [[ -z "$users" ]] || scancel --full --quiet --user="$users" 2>/dev/null || true
    wait_for no_jobs 15 || echo "slurm-cluster: jobs still listed after 15 s; stopping anyway" >&2
  fi
  wait_for no_steps 10 || echo "slurm-cluster: job steps still running after 10 s; stopping anyway" >&2
  stop_daemons slurmd slurmctld munged
  echo "slurm-cluster: stopped"
}

cmd_status() {
  local ok=0
  for daemon in munged slurmctld slurmd; do
    if running "$daemon"; then echo "$daemon: running (pid $(ours "$DIR/run/$daemon.pid"))"; else echo "$daemon: not running"; ok=1; fi
  done
  if ((ok == 0)); then
    local state
    state="$(node_state)"
    if node_ready; then echo "node $NODE: $state"; else echo "node $NODE: ${state:-not answering}"; ok=1; fi
  fi
  return "$ok"
}

echo "SLURM_CONF=$CONF"
case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
