# Reads Conveyor's data through Sidekiq's own API (what the Sidekiq Web UI and admin scripts use) and
# prints what it saw as one JSON object on standard output. REDIS_URL selects the server.
#
#   ruby api.rb processes              Sidekiq::ProcessSet.new.to_a
#   ruby api.rb workers                Sidekiq::Workers.new.to_a
#   ruby api.rb stats                  Sidekiq::Stats.new
#   ruby api.rb retries                Sidekiq::RetrySet entries
#   ruby api.rb dead                   Sidekiq::DeadSet entries
#   ruby api.rb retry_all              Sidekiq::RetrySet.new.retry_all, then the sizes
#   ruby api.rb quiet IDENTITY         Sidekiq::Process#quiet! on that process
#   ruby api.rb stop IDENTITY          Sidekiq::Process#stop! on that process
require "json"
require "sidekiq"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)
require "sidekiq/api"

def entry(job)
  { "score" => job.score, "at" => job.at.to_f, "jid" => job.jid, "klass" => job.klass, "args" => job.args,
    "queue" => job.queue, "item" => job.item, "value" => job.value }
end

def process(identity)
  found = Sidekiq::ProcessSet.new.find { |process| process.identity == identity }
  abort "no process #{identity} in Sidekiq::ProcessSet" unless found
  found
end

command, argument = ARGV
result =
  case command
  when "processes"
    { "processes" => Sidekiq::ProcessSet.new.map { |process|
      { "identity" => process.identity, "concurrency" => process["concurrency"], "queues" => process.queues,
        "busy" => process["busy"], "quiet" => process["quiet"], "stopping" => process.stopping?,
        "beat" => process["beat"], "started_at" => process["started_at"], "pid" => process["pid"],
        "hostname" => process["hostname"], "labels" => process.labels, "tag" => process.tag, "rss" => process["rss"] }
    } }
  when "workers"
    { "workers" => Sidekiq::Workers.new.map { |process_id, thread_id, work|
      { "process" => process_id, "thread" => thread_id, "queue" => work["queue"], "run_at" => work["run_at"],
        "jid" => work["payload"]["jid"], "class" => work["payload"]["class"], "args" => work["payload"]["args"] }
    }, "size" => Sidekiq::Workers.new.size }
  when "stats"
    stats = Sidekiq::Stats.new
    { "processed" => stats.processed, "failed" => stats.failed, "enqueued" => stats.enqueued,
      "retry_size" => stats.retry_size, "dead_size" => stats.dead_size, "scheduled_size" => stats.scheduled_size,
      "processes_size" => stats.processes_size, "workers_size" => stats.workers_size, "queues" => stats.queues,
      "processed_today" => Sidekiq::Stats::History.new(1).processed.values.first,
      "failed_today" => Sidekiq::Stats::History.new(1).failed.values.first }
  when "retries"
    { "size" => Sidekiq::RetrySet.new.size, "entries" => Sidekiq::RetrySet.new.map { |job| entry(job) } }
  when "dead"
    { "size" => Sidekiq::DeadSet.new.size, "entries" => Sidekiq::DeadSet.new.map { |job| entry(job) } }
  when "retry_all"
    Sidekiq::RetrySet.new.retry_all
    { "retry_size" => Sidekiq::RetrySet.new.size, "queues" => Sidekiq::Stats.new.queues }
  when "quiet"
    process(argument).quiet!
    { "signalled" => argument }
  when "stop"
    process(argument).stop!
    { "signalled" => argument }
  else
    abort "usage: ruby api.rb processes|workers|stats|retries|dead|retry_all|quiet ID|stop ID"
  end
puts JSON.generate(result)
