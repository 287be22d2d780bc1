# Renders pages of the Sidekiq Web UI in process (Rack::MockRequest, no HTTP server) and prints, as one
# JSON object, each page's status and body. REDIS_URL selects the server.
#
#   ruby web.rb /busy /retries /morgue /queues/default /
#
# Besides the pages named, it renders the detail page of every job in the retry and dead sets, under
# the names "retry:JID" and "dead:JID".
require "json"
require "sidekiq"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)
require "sidekiq/web"
require "sidekiq/api"
require "rack/mock"

# Sidekiq::Web refuses to run without a session (CSRF protection).
Sidekiq::Web.use Rack::Session::Cookie, secret: "conveyor-interop-tests-" * 4, same_site: true, max_age: 86_400

pages = ARGV.to_h { |path| [path, path] }
Sidekiq::RetrySet.new.each { |job| pages["retry:#{job.jid}"] = "/retries/#{job.score}-#{job.jid}" }
Sidekiq::DeadSet.new.each { |job| pages["dead:#{job.jid}"] = "/morgue/#{job.score}-#{job.jid}" }

result = pages.transform_values { |path|
  response = Rack::MockRequest.new(Sidekiq::Web).get(path)
  { "status" => response.status, "body" => response.body }
}
puts JSON.generate(result)
