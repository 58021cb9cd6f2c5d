#!/usr/bin/env bash
# A one-node SLURM on this machine, for the test that runs `pzconv submit slurm`
# on a real SLURM (Tests/PZCommandsTests/SlurmArrayTests.swift). Needs root.
#
#   Scripts/slurm.sh start DIR    # installs slurm-wlm and munge from Debian if missing, starts munged,
#                                 # slurmctld and slurmd with DIR/slurm.conf, waits for the node
#   Scripts/slurm.sh stop DIR     # stops the daemons it started
#
# Everything SLURM keeps (state, spool, logs, pid files) is under DIR; the ports
# (16817, 16818) are not the defaults, so a real SLURM on the machine is left alone.
# On failure it prints why (and the daemons' logs) and exits 1.
set -euo pipefail
action=${1:?usage: Scripts/slurm.sh start|stop DIR}
dir=${2:?usage: Scripts/slurm.sh start|stop DIR}

stop() {
    for daemon in slurmd slurmctld; do
        if [ -f "$dir/$daemon.pid" ]; then
            kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
        fi
    done
    if [ -f "$dir/munged.started" ]; then
        pkill -x munged 2>/dev/null || true
    fi
}

if [ "$action" = stop ]; then
    stop
    exit 0
fi
[ "$action" = start ] || { echo "slurm.sh: start or stop, got '$action'" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ]; then
    echo "slurm.sh: SLURM's daemons need root here (slurmd runs the jobs as their users)" >&2
    exit 1
fi

missing=()
command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || missing+=(slurmd)
command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)
command -v munged >/dev/null 2>&1 || missing+=(munge)
if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm.sh: installing ${missing[*]} from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$dir/state" "$dir/spool"
host=$(hostname -s)
memory_mb=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
cpus=$(nproc)
cat > "$dir/slurm.conf" <<EOF
ClusterName=pzconvtest
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

# munge: the system's munged if one runs, else ours (its key made if missing).
if ! munge -n </dev/null >/dev/null 2>&1; then
    [ -f /etc/munge/munge.key ] || mungekey --create >/dev/null 2>&1 || create-munge-key >/dev/null 2>&1
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
    if id munge >/dev/null 2>&1; then
        runuser -u munge -- munged || munged --force
    else
        munged --force
    fi
    touch "$dir/munged.started"
fi
if ! munge -n </dev/null | unmunge >/dev/null 2>&1; then
    echo "slurm.sh: munged does not answer (munge -n | unmunge fails)" >&2
    exit 1
fi

slurmctld -f "$dir/slurm.conf"
slurmd -f "$dir/slurm.conf"
for _ in $(seq 1 60); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
    if [ "$state" = idle ] || [ "$state" = mix ]; then
        echo "slurm.sh: SLURM up, node $host ($cpus CPUs), SLURM_CONF=$dir/slurm.conf" >&2
        exit 0
    fi
    sleep 1
done
echo "slurm.sh: the node did not become idle in 60 s (sinfo: '${state:-no answer}'); logs:" >&2
tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 2>/dev/null || true
stop
exit 1
