import RedisClient

/// The Lua scripts of the Redis backend. Each runs atomically on the server; the comment on each says
/// what that atomicity guarantees.
enum RedisScripts {
    /// Reliable batch fetch. KEYS: queue1, private1, queue2, private2, …; ARGV[1]: the most jobs.
    /// Takes up to ARGV[1] jobs, queue by queue in the given order, from each queue's pop end (the
    /// right) and pushes them onto its private list, returning a flat array of (queue index, payload),
    /// oldest first. One LRANGE, LTRIM and LPUSH per queue rather than one LMOVE per job: a third of
    /// the server's work. Atomic: a job is always in exactly one of the two lists, so a crash between
    /// fetch and run loses nothing. In the private list the oldest job ends up rightmost, where the
    /// acknowledgement's `LREM … -1` looks first.
    static let fetch = RedisScript("""
    local wanted = tonumber(ARGV[1])
    local result = {}
    for index = 1, #KEYS, 2 do
      if wanted <= 0 then break end
      local items = redis.call('LRANGE', KEYS[index], -wanted, -1)
      local count = #items
      if count > 0 then
        redis.call('LTRIM', KEYS[index], 0, -count - 1)
        local oldestFirst = {}
        for position = count, 1, -1 do
          oldestFirst[#oldestFirst + 1] = items[position]
          result[#result + 1] = (index + 1) / 2
          result[#result + 1] = items[position]
        end
        redis.call('LPUSH', KEYS[index + 1], unpack(oldestFirst))
        wanted = wanted - count
      end
    end
    return result
    """)

    /// Requeue one job. KEYS: private list, queue; ARGV[1]: payload. Removes the payload from the
    /// private list and, only if it was there, pushes it back at the queue's pop end: a job is requeued
    /// at most once even when shutdown and recovery race.
    static let requeue = RedisScript("""
    if redis.call('LREM', KEYS[1], -1, ARGV[1]) > 0 then
      redis.call('RPUSH', KEYS[2], ARGV[1])
      return 1
    end
    return 0
    """)

    /// Move one job to a sorted set. KEYS: private list, set; ARGV: old payload, new payload, score,
    /// and for the dead set the cap on entries and the oldest score kept. Removes the job from the private
    /// list and adds the rewritten job to the set in one step, trimming the dead set in the same step.
    static let moveToSet = RedisScript("""
    if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then return 0 end
    redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
    if ARGV[4] then
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
      redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
    end
    return 1
    """)

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
    /// before the removal, so a failing push (a key of the wrong type) leaves the job in the set.
    /// Returns how many jobs moved.
    static let release = RedisScript("""
    local moved = 0
    for index = 1, #ARGV, 4 do
      if redis.call('ZSCORE', KEYS[1], ARGV[index]) then
        redis.call('LPUSH', KEYS[tonumber(ARGV[index + 2])], ARGV[index + 1])
        redis.call('SADD', KEYS[2], ARGV[index + 3])
        redis.call('ZREM', KEYS[1], ARGV[index])
        moved = moved + 1
      end
    end
    return moved
    """)

    /// Forget one private list of a stopping worker. KEYS: private list, the registry hash; ARGV[1]:
    /// the registry field. Removes the registry entry only if the list is empty, in the same step, so
    /// a job can never sit in a list that recovery no longer knows about.
    static let forgetEmptyPrivateList = RedisScript("""
    if redis.call('LLEN', KEYS[1]) == 0 then
      return redis.call('HDEL', KEYS[2], ARGV[1])
    end
    return 0
    """)

    /// Recover one dead worker's private list. KEYS: the owner's heartbeat hash, private list, queue,
    /// the registry hash, the dead set; ARGV: the registry field, now, the stale-beat age in seconds,
    /// the dead set's entry cap and oldest kept score, then groups of three — a payload as read from
    /// the list, `queue` or `dead`, and the payload to write there (its recovery count raised, see
    /// `RecoveryDecision`).
    ///
    /// The owner counts as alive, and nothing moves, while its heartbeat hash exists with a `beat` no
    /// older than the stale age; a hash without `beat` also counts as alive. Otherwise each listed
    /// payload still in the private list is removed and written to the queue's pop end or to the dead
    /// set in the same step, so when several workers race to recover one list each job moves exactly
    /// once. The list is forgotten in the registry only once it is empty: a job that arrived after the
    /// caller read the list is picked up by the next recovery. Returns {requeued, buried}, or {-1, 0}
    /// when the owner is alive.
    static let recover = RedisScript("""
    if redis.call('EXISTS', KEYS[1]) == 1 then
      local beat = tonumber(redis.call('HGET', KEYS[1], 'beat'))
      if not beat or tonumber(ARGV[2]) - beat <= tonumber(ARGV[3]) then return {-1, 0} end
    end
    local requeued, buried = 0, 0
    for index = 6, #ARGV, 3 do
      if redis.call('LREM', KEYS[2], -1, ARGV[index]) > 0 then
        if ARGV[index + 1] == 'dead' then
          redis.call('ZADD', KEYS[5], ARGV[2], ARGV[index + 2])
          buried = buried + 1
        else
          redis.call('RPUSH', KEYS[3], ARGV[index + 2])
          requeued = requeued + 1
        end
      end
    end
    if buried > 0 then
      redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[5])
      redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(tonumber(ARGV[4]) + 1))
    end
    if redis.call('LLEN', KEYS[2]) == 0 then redis.call('HDEL', KEYS[4], ARGV[1]) end
    return {requeued, buried}
    """)
}
