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

    /// Recover one dead worker's private list. KEYS: the owner's heartbeat hash, private list, queue,
    /// the registry hash; ARGV[1]: the registry field. If the owner is alive, does nothing. Otherwise
    /// moves every job back to the queue's pop end (oldest first to run) and forgets the list. Atomic,
    /// so when several workers race to recover one list each job is requeued exactly once.
    static let recover = RedisScript("""
    if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
    local moved = 0
    while redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT') do
      moved = moved + 1
    end
    redis.call('HDEL', KEYS[4], ARGV[1])
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
}
