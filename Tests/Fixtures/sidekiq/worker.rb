# Ruby job classes for the Sidekiq interoperability tests, loaded by a real `sidekiq` server:
#
#   REDIS_URL=redis://127.0.0.1:PORT/0 sidekiq -r ./worker.rb -q default -c 5 -t 2
#
# The jobs record their jid the way Conveyor's built-in `Record` job does, so a test can tell which
# jobs ran (the set) and whether any ran twice (the list).
require "sidekiq"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

# A job only Sidekiq knows: adds its jid to the set args[0] and, when given, appends it to the list args[1].
class RecordJob
  include Sidekiq::Worker

  def perform(set_key, list_key = nil)
    Sidekiq.redis do |conn|
      conn.sadd(set_key, jid)
      conn.rpush(list_key, jid) if list_key
    end
  end
end

# A job that takes one hash, the shape of a typed Swift job (`JobParameters`): records its jid in the
# set named by the hash's "set_key".
class RecordHashJob
  include Sidekiq::Worker

  def perform(params)
    Sidekiq.redis { |conn| conn.sadd(params.fetch("set_key"), jid) }
  end
end

# The Ruby twin of Conveyor's built-in `Record` job, for a queue both consume. It also counts its own
# runs in "SET_KEY:sidekiq", so a test can see that both sides took a share of the jobs.
class Record < RecordJob
  def perform(set_key, list_key = nil)
    super
    Sidekiq.redis { |conn| conn.incr("#{set_key}:sidekiq") }
  end
end

# Fails with its argument as the message, so Sidekiq's own retry path rewrites the job.
class FailJob
  include Sidekiq::Worker

  def perform(message)
    raise message
  end
end
