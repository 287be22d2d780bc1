# Pushes jobs with Sidekiq's own client and prints their jids as a JSON array on standard output.
# REDIS_URL selects the server.
#
#   ruby client.rb perform_async COUNT SET_KEY [LIST_KEY]    Record.perform_async (a Ruby stub class)
#   ruby client.rb perform_in SECONDS COUNT SET_KEY          Record.perform_in: scheduled, not queued
#   ruby client.rb push_bulk COUNT SET_KEY [LIST_KEY]        Sidekiq::Client.push_bulk of Record jobs
#   ruby client.rb push JOB_JSON                             Sidekiq::Client.push of one job hash
require "json"
require "sidekiq"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

# The Ruby side's name for Conveyor's built-in Record job. Its code runs in Swift, so `perform` is
# never called here: the class only gives `perform_async` a name to put in the payload.
class Record
  include Sidekiq::Worker
end

command, *rest = ARGV
jids =
  case command
  when "perform_async"
    count, set_key, list_key = rest
    args = [set_key, list_key].compact
    Array.new(Integer(count)) { Record.perform_async(*args) }
  when "perform_in"
    seconds, count, set_key = rest
    Array.new(Integer(count)) { Record.perform_in(Float(seconds), set_key) }
  when "push_bulk"
    count, set_key, list_key = rest
    args = [set_key, list_key].compact
    Sidekiq::Client.push_bulk("class" => "Record", "args" => Array.new(Integer(count)) { args })
  when "push"
    [Sidekiq::Client.push(JSON.parse(rest.fetch(0)))]
  else
    abort "usage: ruby client.rb perform_async|perform_in|push_bulk|push ... (see the comment at the top)"
  end
puts JSON.generate(jids)
