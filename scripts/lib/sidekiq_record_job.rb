# The Ruby twin of conveyor-worker's built-in `Record` job, for `conveyor-bench --compare sidekiq`:
#
#   REDIS_URL=redis://127.0.0.1:PORT/0 sidekiq -r ./scripts/lib/sidekiq_record_job.rb -q QUEUE -c 100
#
# Same payload, same work: SADD the jid to args[0] and HINCRBY args[0]:runs jid 1, in one pipelined
# round trip through the process's shared connection pool, as the Swift job does through the worker's
# shared client.
require "sidekiq"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

# Sidekiq logs a line as each job starts and ends; conveyor-worker runs with --log-level warning in
# the same benchmark, so neither side pays for per-job logging.
Sidekiq.logger.level = Logger::WARN

class Record
  include Sidekiq::Worker

  def perform(set_key, *)
    Sidekiq.redis do |conn|
      conn.pipelined do |pipeline|
        pipeline.sadd(set_key, jid)
        pipeline.hincrby("#{set_key}:runs", jid, 1)
      end
    end
  end
end
