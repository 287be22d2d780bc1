import RedisClient

/// The Lua scripts of the Redis backend. Each runs atomically on the server; the comment on each says
/// what that atomicity guarantees.
enum RedisScripts {
    /// Reliable batch fetch. KEYS: the private-list registry, the paused-queue set, then queue1,
    /// private1, queue2, private2, …; ARGV: the most jobs, the owner's identity, then the queue names in
    /// KEYS' order.
    /// Takes up to ARGV[1] jobs, queue by queue in the given order, from each queue's pop end (the
    /// right) and pushes them onto its private list. Returns {a flat array of (queue index, payload),
    /// oldest first; the indexes of the queues that are not paused}. A queue in the paused set is
    /// skipped: the check and the move are one step, so no fetch that starts after `conveyor queue
    /// pause` returned takes a job from that queue. One LRANGE, LTRIM and LPUSH per queue rather than
    /// one LMOVE per job: a third of the server's work. Atomic: a job is always in exactly one of the
    /// two lists, so a crash between fetch and run loses nothing; and a private list that receives jobs
    /// is registered in the same step, so recovery can always find it (a worker that was wrongly taken
    /// for dead, and whose empty list recovery therefore forgot, registers it again with its next job).
    /// In the private list the oldest job ends up rightmost, where the acknowledgement's `LREM … -1`
    /// looks first. Allowed at `maxmemory`: it moves jobs, it does not add them.
    static let fetch = RedisScript("""
    local wanted = tonumber(ARGV[1])
    local result = {}
    local open = {}
    for index = 3, #KEYS, 2 do
      local queueNumber = (index - 1) / 2
      if redis.call('SISMEMBER', KEYS[2], ARGV[2 + queueNumber]) == 0 then
        open[#open + 1] = queueNumber
        if wanted > 0 then
          local items = redis.call('LRANGE', KEYS[index], -wanted, -1)
          local count = #items
          if count > 0 then
            redis.call('LTRIM', KEYS[index], 0, -count - 1)
            local oldestFirst = {}
            for position = count, 1, -1 do
              oldestFirst[#oldestFirst + 1] = items[position]
              result[#result + 1] = queueNumber
              result[#result + 1] = items[position]
            end
            redis.call('LPUSH', KEYS[index + 1], unpack(oldestFirst))
            redis.call('HSET', KEYS[1], KEYS[index + 1], ARGV[2] .. '\\n' .. ARGV[2 + queueNumber])
            wanted = wanted - count
          end
        end
      end
    end
    return {result, open}
    """, allowsOutOfMemory: true)

    /// Clear a queue. KEYS: the queue; returns how many jobs it held. `LLEN` and `UNLINK` in one step,
    /// so the count is exactly what was removed even while producers push.
    static let clearQueue = RedisScript("""
    local size = redis.call('LLEN', KEYS[1])
    redis.call('UNLINK', KEYS[1])
    return size
    """)

    /// Hand back a job that a blocking `BLMOVE` took from a queue paused meanwhile. KEYS: the
    /// paused-queue set, the private list, the queue; ARGV: the queue's name, the payload. When the queue
    /// is paused and the payload is still in the private list, pushes it back at the queue's pop end
    /// (where it was, so the order survives) and removes it from the private list, in one step; returns
    /// 1 then, else 0. With the fetch script's own check, no job leaves a queue for a handler once
    /// `conveyor queue pause` has returned, even on a worker that was blocked waiting on that queue.
    static let returnIfPaused = RedisScript("""
    if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 and redis.call('LPOS', KEYS[2], ARGV[2], 'RANK', 1) then
      redis.call('RPUSH', KEYS[3], ARGV[2])
      redis.call('LREM', KEYS[2], 1, ARGV[2])
      return 1
    end
    return 0
    """, allowsOutOfMemory: true)

    /// Push a unique job. KEYS: its lock, its queue (or the schedule set), the queue registry; ARGV: the
    /// jid, the lock's time to live in milliseconds, the payload, the queue's name, and the run time for
    /// a scheduled job (empty for now). Takes the lock (`SET NX PX … GET`) and pushes in one step, so of
    /// any number of concurrent pushes exactly one is queued and the others learn whose lock it is.
    /// Returns nil when pushed, else the holder's jid.
    static let pushUnique = RedisScript("""
    local holder = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2], 'GET')
    if holder then return holder end
    if ARGV[5] == '' then
      redis.call('LPUSH', KEYS[2], ARGV[3])
      redis.call('SADD', KEYS[3], ARGV[4])
    else
      redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
    end
    return false
    """)

    /// Acknowledge a unique job. KEYS: its private list, its lock; ARGV: the payload, its jid. Removes
    /// the job from the private list and releases its lock (if it still holds it) in one step, so the
    /// lock never outlives the job and never frees while it is still in progress. Allowed at
    /// `maxmemory`: it frees memory.
    static let acknowledgeUnique = RedisScript("""
    local removed = redis.call('LREM', KEYS[1], -1, ARGV[1])
    if removed > 0 and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
    return removed
    """, allowsOutOfMemory: true)

    /// Release a unique lock held by a jid. KEYS: the lock; ARGV: the jid. Compare and delete in one
    /// step: a lock that expired and was taken by a later job is left to that job.
    static let releaseLock = RedisScript("""
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """, allowsOutOfMemory: true)

    /// Delete one member of a sorted set by hand. KEYS: the set, and for a unique job its lock; ARGV: the
    /// member, and for a unique job its jid. Removes the member and releases the lock in one step.
    /// Returns 1 when the member was there.
    static let deleteMember = RedisScript("""
    local removed = redis.call('ZREM', KEYS[1], ARGV[1])
    if removed == 1 and KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
    return removed
    """)

    /// Remove one waiting job from its queue (`conveyor cancel`). KEYS: the queue, and for a unique job
    /// its lock; ARGV: the payload, and for a unique job its jid. Removes one copy and releases the lock
    /// in one step; a job a worker fetched meanwhile is not there, and its lock stays with it.
    static let removeQueued = RedisScript("""
    local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
    if removed == 1 and KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
    return removed
    """)

    /// Claim one tick of a periodic job. KEYS: the tick's claim, the last-tick hash, the queue, the queue
    /// registry; ARGV: the claim's time to live in seconds, the entry's name, the tick (epoch seconds),
    /// the payload (empty to skip the tick) and the queue's name. The claim (`SET NX`), the push and the
    /// last-tick record are one step: of any number of workers evaluating the same tick, exactly one
    /// pushes it, and a worker that dies after the claim cannot leave it claimed but unpushed.
    /// Returns 1 for the winner, else 0.
    static let claimTick = RedisScript("""
    if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
    if ARGV[4] ~= '' then
      redis.call('LPUSH', KEYS[3], ARGV[4])
      redis.call('SADD', KEYS[4], ARGV[5])
      local last = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') or 0
      if tonumber(ARGV[3]) > last then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
    end
    return 1
    """)

    /// Take a concurrency slot. KEYS: the limit's sorted set; ARGV: the holder, the limit, the lease in
    /// milliseconds. By Redis's clock: drops holders whose lease ran out, then renews the holder's own
    /// slot or adds it if fewer than the limit are held, in one step, so no number of workers racing
    /// can hold more than the limit. Returns 1 when held, else 0.
    static let acquireSlot = RedisScript("""
    local time = redis.call('TIME')
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
    local expiry = now + tonumber(ARGV[3])
    if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
      redis.call('ZADD', KEYS[1], expiry, ARGV[1])
      -- Never shortens the set's life: a holder with a short lease must not expire the others' slots.
      local life = tonumber(ARGV[3]) * 2
      if redis.call('PTTL', KEYS[1]) < life then redis.call('PEXPIRE', KEYS[1], life) end
      return 1
    end
    return 0
    """)

    /// Renew concurrency slots. KEYS: the limits' sorted sets; ARGV: the lease in milliseconds, then
    /// one holder per key. Extends only slots still held (`ZADD XX`), by Redis's clock.
    static let renewSlots = RedisScript("""
    local time = redis.call('TIME')
    local expiry = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
    for index = 1, #KEYS do
      redis.call('ZADD', KEYS[index], 'XX', expiry, ARGV[index + 1])
      local life = tonumber(ARGV[1]) * 2
      if redis.call('PTTL', KEYS[index]) < life then redis.call('PEXPIRE', KEYS[index], life) end
    end
    return 1
    """)

    /// Count a run against a rate limit. KEYS: none used by name (the counter's key is the prefix in
    /// ARGV[1] and the window's number, built here from Redis's clock); ARGV: the counter prefix, the
    /// limit, the window in seconds. Increments the current window's counter and, when that passes the
    /// limit, takes the increment back, in one step: a window never admits more than the limit.
    /// Returns 0 when admitted, else the milliseconds until the window ends.
    static let admitToWindow = RedisScript("""
    local time = redis.call('TIME')
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    local window = tonumber(ARGV[3]) * 1000
    local number = math.floor(now / window)
    local key = ARGV[1] .. number
    local count = redis.call('INCR', key)
    if count == 1 then redis.call('PEXPIRE', key, window * 2) end
    if count > tonumber(ARGV[2]) then
      redis.call('DECR', key)
      return (number + 1) * window - now
    end
    return 0
    """)

    /// Register one private list. KEYS: the registry hash; ARGV: the list's key, `owner\nqueue`.
    /// Sent in the same pipeline right after a blocking `BLMOVE`, so the server runs it as soon as the
    /// move returns, even if the worker dies meanwhile. Allowed at `maxmemory`: it rewrites a field
    /// that is nearly always there already.
    static let register = RedisScript("""
    return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    """, allowsOutOfMemory: true)

    /// Requeue one job. KEYS: private list, queue; ARGV[1]: payload. Removes the payload from the
    /// private list and, only if it was there, pushes it back at the queue's pop end: a job is requeued
    /// at most once even when shutdown and recovery race.
    ///
    /// Redis does not undo a script that fails halfway, so every script here that moves a job writes it
    /// to its destination before removing it from where it was (`LPOS` checks it is there first): a
    /// destination of the wrong type fails the script with the job still in place, never in neither.
    static let requeue = RedisScript("""
    if redis.call('LPOS', KEYS[1], ARGV[1], 'RANK', -1) then
      redis.call('RPUSH', KEYS[2], ARGV[1])
      redis.call('LREM', KEYS[1], -1, ARGV[1])
      return 1
    end
    return 0
    """, allowsOutOfMemory: true)

    /// Move one job to a sorted set. KEYS: private list, set; ARGV: old payload, new payload, score,
    /// and for the dead set the cap on entries and the oldest score kept, and for a unique job going to
    /// the dead set its jid (KEYS[3]: its unique lock). Removes the job from the private list and adds
    /// the rewritten job to the set in one step, trimming the dead set and releasing a dead unique job's
    /// lock (if that job still holds it) in the same step. A job going to the retry set keeps its lock.
    static let moveToSet = RedisScript("""
    if not redis.call('LPOS', KEYS[1], ARGV[1], 'RANK', -1) then return 0 end
    redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
    redis.call('LREM', KEYS[1], -1, ARGV[1])
    if ARGV[4] then
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
      redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
    end
    if KEYS[3] and redis.call('GET', KEYS[3]) == ARGV[6] then redis.call('DEL', KEYS[3]) end
    return 1
    """, allowsOutOfMemory: true)

    /// Release jobs from a sorted set (schedule, retry or dead) to their queues. KEYS: the set, the
    /// queue registry, then the queue lists; ARGV: groups of four — the member exactly as stored, the
    /// payload to push (the member with a fresh `enqueued_at`), the index in KEYS of its queue, and the
    /// queue's name. The payloads are prepared by the caller from members it read, so the job JSON is
    /// rewritten by Conveyor's exact JSON model (unknown fields, their order and number text survive;
    /// cjson would reorder keys and reformat numbers).
    ///
    /// Atomic per job: a member still in the set is pushed and removed in one step, and a member that is
    /// gone (another worker or an admin moved it since it was read) is skipped. So a job is never lost
    /// between the set and its queue, and never pushed twice however many pollers race. The push runs
    /// before the removal, and a push that fails (a queue key of the wrong type) leaves that job in the
    /// set and moves on, so one bad queue never blocks the promotion of every other job. Returns how
    /// many jobs moved.
    static let release = RedisScript("""
    local moved = 0
    for index = 1, #ARGV, 4 do
      if redis.call('ZSCORE', KEYS[1], ARGV[index]) then
        local pushed = redis.pcall('LPUSH', KEYS[tonumber(ARGV[index + 2])], ARGV[index + 1])
        if type(pushed) == 'number' then
          redis.call('SADD', KEYS[2], ARGV[index + 3])
          redis.call('ZREM', KEYS[1], ARGV[index])
          moved = moved + 1
        end
      end
    end
    return moved
    """, allowsOutOfMemory: true)

    /// Kill one member of the schedule or retry set by hand. KEYS: the set, the dead set; ARGV: the
    /// member exactly as stored, the time of death, the dead set's cap on entries and the oldest score
    /// kept. A member still in the set is added to the dead set and removed from its own in one step,
    /// and the dead set trimmed as a worker's burial trims it; a member that is gone (the poller or
    /// another admin moved it since it was read) is left alone. Writes before it removes, as the
    /// other moves do. Returns 1 when the member moved, else 0. Never called with the dead set as the
    /// source, where the removal would undo the addition. For a unique job, KEYS[3] is its lock and
    /// ARGV[5] its jid: the lock is released in the same step, if the job still holds it.
    static let kill = RedisScript("""
    if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
    redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
    redis.call('ZREM', KEYS[1], ARGV[1])
    if KEYS[3] and redis.call('GET', KEYS[3]) == ARGV[5] then redis.call('DEL', KEYS[3]) end
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
    return 1
    """)

    /// Forget one private list of a stopping worker. KEYS: private list, the registry hash, the list's
    /// start marks; ARGV[1]: the registry field. Removes the registry entry and the marks only if the
    /// list is empty, in the same step, so a job can never sit in a list that recovery no longer knows
    /// about.
    static let forgetEmptyPrivateList = RedisScript("""
    if redis.call('LLEN', KEYS[1]) == 0 then
      redis.call('DEL', KEYS[3])
      return redis.call('HDEL', KEYS[2], ARGV[1])
    end
    return 0
    """)

    /// One heartbeat. KEYS: the process hash, its running-jobs hash, its signal list, the process set,
    /// its lease; ARGV: identity, the hash's time to live in seconds, the lease in milliseconds, then
    /// the hash's `info`, `busy`, `beat`, `quiet` and `rss`, then field/value pairs of running jobs.
    ///
    /// Renews the lease (`SET … PX`) that recovery reads, so liveness is judged by Redis's clock alone,
    /// pops one admin signal (Sidekiq's `TSTP`/`TERM`) and rewrites Sidekiq's process-registry entry, in
    /// one step. Returns {the signal or nil, 1 when the lease was still held, 0 when it had expired (or,
    /// on a worker's first beat, did not exist yet)}: an expired lease means other workers may have
    /// recovered this worker's running jobs. Allowed at
    /// `maxmemory`: a worker that cannot beat cannot drain, and draining is what frees the memory.
    static let beat = RedisScript("""
    local signal = redis.call('RPOP', KEYS[3])
    local held = redis.call('SET', KEYS[5], ARGV[6], 'PX', ARGV[3], 'GET')
    redis.call('SADD', KEYS[4], ARGV[1])
    redis.call('HSET', KEYS[1], 'info', ARGV[4], 'busy', ARGV[5], 'beat', ARGV[6], 'quiet', ARGV[7],
      'rss', ARGV[8], 'lease', ARGV[3])
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    redis.call('DEL', KEYS[2])
    -- In chunks: Lua's unpack is limited to about 8000 values, and a worker may run 10,000 jobs.
    for index = 9, #ARGV, 1000 do
      redis.call('HSET', KEYS[2], unpack(ARGV, index, math.min(index + 999, #ARGV)))
    end
    if #ARGV > 8 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
    return {signal, held and 1 or 0}
    """, allowsOutOfMemory: true)

    /// The live processes. KEYS: the process set; ARGV: the key prefix, the prefix of lease keys.
    /// Removes from the set every identity whose process hash has expired (a worker killed with
    /// `kill -9` never removes itself), as Sidekiq's `ProcessSet` cleanup does, and returns the
    /// identities that are alive, in one step: a Conveyor worker while it holds its lease (its hash
    /// outlives the lease by up to a minute, and counting it would slow the poller), any other process
    /// (Sidekiq, a Conveyor worker from before leases) while its hash exists.
    static let liveProcesses = RedisScript("""
    local alive = {}
    for _, identity in ipairs(redis.call('SMEMBERS', KEYS[1])) do
      local entry = ARGV[1] .. identity
      if redis.call('EXISTS', entry) == 0 then
        redis.call('SREM', KEYS[1], identity)
      elseif redis.call('HEXISTS', entry, 'lease') == 0 or redis.call('EXISTS', ARGV[2] .. identity) == 1 then
        alive[#alive + 1] = identity
      end
    end
    return alive
    """)

    /// Marks a recovered job as started. KEYS: the list's start marks; ARGV[1]: the jid. Allowed at
    /// `maxmemory`, or a poison pill could never be told from its bystanders on a full Redis.
    static let markStarted = RedisScript("""
    return redis.call('SADD', KEYS[1], ARGV[1])
    """, allowsOutOfMemory: true)

    /// Adds to the processed and failed counters. KEYS: processed, processed today, failed, failed
    /// today; ARGV: processed, failed, the daily keys' time to live. Allowed at `maxmemory`, so that
    /// acknowledging finished jobs, which frees memory, never fails on the counters beside it.
    static let countRuns = RedisScript("""
    if tonumber(ARGV[1]) > 0 then
      redis.call('INCRBY', KEYS[1], ARGV[1])
      redis.call('INCRBY', KEYS[2], ARGV[1])
      redis.call('EXPIRE', KEYS[2], ARGV[3])
    end
    if tonumber(ARGV[2]) > 0 then
      redis.call('INCRBY', KEYS[3], ARGV[2])
      redis.call('INCRBY', KEYS[4], ARGV[2])
      redis.call('EXPIRE', KEYS[4], ARGV[3])
    end
    return 1
    """, allowsOutOfMemory: true)

    /// Recover one dead worker's private list. KEYS: the owner's lease, its process hash, private list,
    /// queue, the registry hash, the dead set, the list's start marks; ARGV: the registry field, the
    /// stale-beat age in seconds (for workers from before leases), now (the dead set's score), the dead
    /// set's entry cap and oldest kept score, then groups of three — a payload as read from the list, `queue` or `dead`, and the
    /// payload to write there (see `RecoveryDecision`).
    ///
    /// The owner counts as alive, and nothing moves, while its lease exists: Redis expires the lease by
    /// its own clock, so no worker's clock is compared with another's. A process hash without a `lease`
    /// field belongs to a worker from before leases; its `beat` is judged by Redis's `TIME`. Otherwise
    /// each listed payload still in the private list is removed and written to the queue's pop end or to
    /// the dead set in the same step, so when several workers race to recover one list each job moves
    /// exactly once. The list and its marks are forgotten only once the list is empty: a job that arrived
    /// after the caller read the list is picked up by the next recovery. Returns {requeued, buried}, or
    /// {-1, 0} when the owner is alive. Allowed at `maxmemory`: it moves jobs.
    static let recover = RedisScript("""
    if redis.call('EXISTS', KEYS[1]) == 1 then return {-1, 0} end
    if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('HEXISTS', KEYS[2], 'lease') == 0 then
      local beat = tonumber(redis.call('HGET', KEYS[2], 'beat'))
      local time = redis.call('TIME')
      local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
      if not beat or now - beat <= tonumber(ARGV[2]) then return {-1, 0} end
    end
    local requeued, buried = 0, 0
    for index = 6, #ARGV, 3 do
      if redis.call('LPOS', KEYS[3], ARGV[index], 'RANK', -1) then
        if ARGV[index + 1] == 'dead' then
          redis.call('ZADD', KEYS[6], ARGV[3], ARGV[index + 2])
          buried = buried + 1
        else
          redis.call('RPUSH', KEYS[4], ARGV[index + 2])
          requeued = requeued + 1
        end
        redis.call('LREM', KEYS[3], -1, ARGV[index])
      end
    end
    if buried > 0 then
      redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', ARGV[5])
      redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -(tonumber(ARGV[4]) + 1))
    end
    if redis.call('LLEN', KEYS[3]) == 0 then
      redis.call('HDEL', KEYS[5], ARGV[1])
      redis.call('DEL', KEYS[7])
    end
    return {requeued, buried}
    """, allowsOutOfMemory: true)
}
