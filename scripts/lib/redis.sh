# shellcheck shell=bash
#
# scripts/lib/redis.sh - a throwaway redis-server for tests, demos and developers.
#
# Source it from bash (it works with and without `set -euo pipefail`):
#
#     source "$repo_root/scripts/lib/redis.sh"
#     redis_start_throwaway          # exports REDIS_URL, CONVEYOR_REDIS_PORT, ...
#     ...use "$REDIS_URL"...
#     redis_stop_throwaway           # optional: the EXIT trap does it anyway
#
# redis_start_throwaway
#     Picks a free loopback port, starts `redis-server` in the background bound
#     to 127.0.0.1 with a fresh temporary --dir, no RDB snapshots and no AOF,
#     logging to a file in that dir, and waits (CONVEYOR_REDIS_START_TIMEOUT
#     seconds, default 10) until `redis-cli -p PORT` answers, checking with
#     INFO that the process_id answering is the one it started. It never
#     uses 6379 on purpose and never talks to a Redis it did not start. On
#     success it exports:
#         REDIS_URL=redis://127.0.0.1:PORT/0
#         CONVEYOR_REDIS_PORT   the port
#         CONVEYOR_REDIS_PID    the redis-server pid
#         CONVEYOR_REDIS_DIR    its --dir (holds redis.log)
#     and installs the EXIT trap below. Calling it again while the server this
#     shell started is alive is a no-op. Returns non-zero (and prints the server log) on failure.
#
# redis_stop_throwaway
#     SIGTERM, then SIGKILL after 5 s, then removes the temp dir and restores
#     REDIS_URL to what it was before the start. Safe to call any number of
#     times, with or without a server running. It only ever stops the server
#     started by this shell (tracked in unexported variables): CONVEYOR_REDIS_*
#     inherited from a parent process, e.g. a script run under
#     scripts/redis-throwaway, are informational and never acted on.
#
# Traps: bash has one trap per signal, so a plain `trap ... EXIT` set later by
# the caller REPLACES ours. To chain, use the helper instead of `trap`:
#
#     conveyor_trap_add 'echo my cleanup'     # runs on EXIT, after earlier ones
#
# redis_start_throwaway calls `conveyor_trap_add redis_stop_throwaway` once, and
# conveyor_trap_add keeps whatever EXIT trap already existed (yours set with a
# plain `trap` before the start is kept and runs first). If you must set your
# own trap with `trap ... EXIT` after the start, put `redis_stop_throwaway` in
# it. conveyor_trap_add also turns SIGINT/SIGTERM/SIGHUP into a normal `exit`
# (status 130/143/129) when the caller has no trap of its own for them, so the
# EXIT trap runs on Ctrl-C and `kill` too. Set CONVEYOR_REDIS_NO_TRAP=1 before
# starting to manage cleanup yourself.
#
# The server is started in its own session (setsid) when the shell has no job
# control, so a Ctrl-C on the terminal reaches the caller, whose trap then
# stops Redis cleanly, instead of killing Redis under a test still running. A
# tiny watchdog stops it as well if the calling shell dies without running its
# traps (SIGKILL), so no redis-server is left behind.

if [[ -n "${_CONVEYOR_REDIS_LIB_LOADED:-}" ]]; then
    return 0
fi
_CONVEYOR_REDIS_LIB_LOADED=1

_CONVEYOR_REDIS_TRAP_INSTALLED=""
_CONVEYOR_SIGNAL_TRAPS_INSTALLED=""

_redis_log() {
    printf 'redis-throwaway: %s\n' "$*" >&2
}

# conveyor_trap_add CMD: append CMD to the EXIT trap, keeping the existing one.
conveyor_trap_add() {
    local new_cmd=$1 existing="" sig code
    local -a parts=()
    local trap_line
    trap_line=$(trap -p EXIT)
    if [[ -n "$trap_line" ]]; then
        # `trap -p` prints: trap -- 'CMD' EXIT  (already quoted for re-reading)
        eval "parts=($trap_line)"
        existing=${parts[2]:-}
    fi
    if [[ -n "$existing" ]]; then
        # shellcheck disable=SC2064  # expand now: we are composing the command
        trap "$existing
$new_cmd" EXIT
    else
        # shellcheck disable=SC2064
        trap "$new_cmd" EXIT
    fi
    if [[ -z "$_CONVEYOR_SIGNAL_TRAPS_INSTALLED" ]]; then
        _CONVEYOR_SIGNAL_TRAPS_INSTALLED=1
        for sig in INT TERM HUP; do
            if [[ -z "$(trap -p "$sig")" ]]; then
                case $sig in
                    INT) code=130 ;;
                    TERM) code=143 ;;
                    HUP) code=129 ;;
                esac
                # shellcheck disable=SC2064
                trap "exit $code" "$sig"
            fi
        done
    fi
}

# Prints a TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice).
_redis_pick_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - <<'PY' 2>/dev/null && return 0
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
    fi
    # No python3: a random high port; redis-server exiting on "Address already
    # in use" makes the caller retry with another one.
    echo $((20000 + RANDOM % 40000))
}

# Prints the process_id of the Redis answering on 127.0.0.1:PORT, or nothing.
# Bounded in time: whatever holds the port may accept and never answer.
_redis_server_pid_on() {
    local -a cmd=(redis-cli -h 127.0.0.1 -p "$1" info server)
    if command -v timeout >/dev/null 2>&1; then
        cmd=(timeout 2 "${cmd[@]}")
    fi
    { "${cmd[@]}" 2>/dev/null || true; } | tr -d '\r' | sed -n 's/^process_id://p'
}

# True while PID exists and is not a zombie waiting to be reaped.
_redis_alive() {
    local pid=${1:-} stat
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/stat" ]]; then
        { stat=$(<"/proc/$pid/stat"); } 2>/dev/null || return 1
        stat=${stat##*) }
        [[ "${stat:0:1}" != Z ]] || return 1
    fi
    return 0
}

redis_start_throwaway() {
    # Already running one from this shell. (CONVEYOR_REDIS_* inherited from a
    # parent process are that parent's: never reused, never stopped here.)
    if _redis_alive "${_CONVEYOR_REDIS_OWN_PID:-}"; then
        return 0
    fi
    local bin
    for bin in redis-server redis-cli; do
        if ! command -v "$bin" >/dev/null 2>&1; then
            _redis_log "$bin not found on PATH (run scripts/install-deps)"
            return 1
        fi
    done

    local timeout=${CONVEYOR_REDIS_START_TIMEOUT:-10}
    local dir port pid log attempt deadline now reply
    dir=$(mktemp -d "${TMPDIR:-/tmp}/conveyor-redis.XXXXXX") || return 1
    log="$dir/redis.log"

    local -a launcher=()
    # No job control: the background job shares the terminal's process group, so
    # detach it (setsid execs in place here, so $! stays redis-server's pid).
    if [[ $- != *m* ]] && command -v setsid >/dev/null 2>&1; then
        launcher=(setsid)
    fi

    for attempt in 1 2 3 4 5; do
        port=$(_redis_pick_port)
        "${launcher[@]}" redis-server \
            --bind 127.0.0.1 \
            --port "$port" \
            --dir "$dir" \
            --save '' \
            --appendonly no \
            --daemonize no \
            </dev/null >"$log" 2>&1 &
        pid=$!
        deadline=$(($(date +%s) + timeout))
        while _redis_alive "$pid"; do
            # Ready = answers, and it is our process answering (not something
            # else that grabbed the port between the pick and the bind).
            reply=$(_redis_server_pid_on "$port")
            if [[ "$reply" == "$pid" ]]; then
                _CONVEYOR_REDIS_PREV_URL_SET=${REDIS_URL+set}
                _CONVEYOR_REDIS_PREV_URL=${REDIS_URL:-}
                export REDIS_URL="redis://127.0.0.1:$port/0"
                export CONVEYOR_REDIS_PORT=$port
                export CONVEYOR_REDIS_PID=$pid
                export CONVEYOR_REDIS_DIR=$dir
                _CONVEYOR_REDIS_OWN_PID=$pid
                _CONVEYOR_REDIS_OWN_DIR=$dir
                _CONVEYOR_REDIS_OWN_PORT=$port
                _redis_start_watchdog "$pid" "$dir"
                if [[ -z "${CONVEYOR_REDIS_NO_TRAP:-}" && -z "$_CONVEYOR_REDIS_TRAP_INSTALLED" ]]; then
                    _CONVEYOR_REDIS_TRAP_INSTALLED=1
                    conveyor_trap_add redis_stop_throwaway
                fi
                return 0
            fi
            now=$(date +%s)
            if ((now >= deadline)); then
                _redis_log "redis-server (pid $pid, port $port) not ready after ${timeout}s; its log:"
                sed 's/^/    /' "$log" >&2 || true
                _redis_kill "$pid"
                rm -rf "$dir"
                return 1
            fi
            sleep 0.05
        done
        wait "$pid" 2>/dev/null || true
        # Lost the race for the port to another process: try another port.
        if grep -qi 'address already in use' "$log" && ((attempt < 5)); then
            continue
        fi
        _redis_log "redis-server exited during startup (port $port, attempt $attempt); its log:"
        sed 's/^/    /' "$log" >&2 || true
        break
    done
    rm -rf "$dir"
    return 1
}

# Stops redis-server PID and removes DIR if the shell whose $$ started it goes
# away without running its traps (SIGKILL, OOM killer...).
_redis_start_watchdog() {
    local redis_pid=$1 dir=$2 parent=$$
    (
        trap - EXIT
        while kill -0 "$parent" 2>/dev/null; do
            kill -0 "$redis_pid" 2>/dev/null || exit 0
            sleep 1
        done
        kill -TERM "$redis_pid" 2>/dev/null || exit 0
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$redis_pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$redis_pid" 2>/dev/null || true
        rm -rf "$dir"
    ) </dev/null >/dev/null 2>&1 &
    _CONVEYOR_REDIS_WATCHDOG_PID=$!
}

# TERM, wait up to 5 s, then KILL; reaps it when it is our child.
_redis_kill() {
    local pid=$1 i
    if _redis_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            _redis_alive "$pid" || break
            sleep 0.1
        done
        if _redis_alive "$pid"; then
            _redis_log "redis-server (pid $pid) still running 5 s after SIGTERM: sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

redis_stop_throwaway() {
    local pid=${_CONVEYOR_REDIS_OWN_PID:-} dir=${_CONVEYOR_REDIS_OWN_DIR:-}
    local port=${_CONVEYOR_REDIS_OWN_PORT:-}
    if [[ -z "$pid" ]]; then
        return 0 # nothing started by this shell (or already stopped)
    fi
    _redis_kill "$pid"
    if [[ -n "${_CONVEYOR_REDIS_WATCHDOG_PID:-}" ]]; then
        kill "$_CONVEYOR_REDIS_WATCHDOG_PID" 2>/dev/null || true
        wait "$_CONVEYOR_REDIS_WATCHDOG_PID" 2>/dev/null || true
        _CONVEYOR_REDIS_WATCHDOG_PID=""
    fi
    if [[ -n "$dir" && -d "$dir" ]]; then
        rm -rf "$dir"
    fi
    if [[ "${_CONVEYOR_REDIS_PREV_URL_SET:-}" == set ]]; then
        export REDIS_URL=$_CONVEYOR_REDIS_PREV_URL
    elif [[ "${REDIS_URL:-}" == "redis://127.0.0.1:$port/0" ]]; then
        unset REDIS_URL
    fi
    _CONVEYOR_REDIS_OWN_PID="" _CONVEYOR_REDIS_OWN_DIR="" _CONVEYOR_REDIS_OWN_PORT=""
    unset CONVEYOR_REDIS_PID CONVEYOR_REDIS_DIR CONVEYOR_REDIS_PORT
    return 0
}
