import Conveyor
import Hummingbird

/// Conveyor's web dashboard: queues, busy workers, the retry, schedule and dead sets and each job,
/// with the CLI's actions, as server-rendered pages that need nothing from outside (styles, script
/// and charts are inline). Mount it in any Hummingbird 2 app under a path prefix, as a Rails app
/// mounts `Sidekiq::Web`:
///
/// ```swift
/// let backend = try await RedisBackend.connect()
/// let router = Router()
/// Dashboard(admin: backend, prefix: "/conveyor", password: "s3cret").addRoutes(to: router)
/// ```
///
/// It reads and acts only through ``JobAdministration``, so it works on any backend that conforms.
/// Every state-changing request is a POST that must carry the process's CSRF token (see
/// ``DashboardGuard``); with a password, every request needs HTTP basic auth.
public struct Dashboard: Sendable {
    /// Where the data comes from and where the actions go.
    public let admin: any JobAdministration
    /// The path the dashboard is mounted under: `""` for the root, or `/conveyor` (no trailing `/`).
    public let prefix: String
    /// The basic-auth password (any user name); `nil` for none, which only a loopback bind should use.
    public let password: String?
    /// Rows per page of a queue or a set.
    public let pageSize: Int
    /// Whether the dashboard only shows: no buttons, and every POST is refused (403), whatever its token.
    public let isReadOnly: Bool
    /// A random token made when the dashboard is, expected in every POST: pages carry it in a hidden
    /// field, and a cross-site form cannot read it.
    let csrfToken: String

    /// Creates a dashboard. `prefix` is normalized to start with `/` and not end with one.
    public init(admin: any JobAdministration, prefix: String = "", password: String? = nil, pageSize: Int = 25, isReadOnly: Bool = false) {
        self.admin = admin
        let trimmed = prefix.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        self.prefix = trimmed.isEmpty ? "" : "/" + trimmed
        self.password = password.flatMap { $0.isEmpty ? nil : $0 }
        self.pageSize = max(1, pageSize)
        self.isReadOnly = isReadOnly
        self.csrfToken = SecretToken.random()
    }

    /// Adds the dashboard's pages and actions under ``prefix``, behind its guard (auth, CSRF and
    /// security headers), to a router or a group of one.
    public func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        let group = router.group(RouterPath(prefix.isEmpty ? "/" : prefix)).add(middleware: DashboardGuard<Context>(dashboard: self))
        DashboardRoutes(dashboard: self).register(on: group)
    }

    /// A path inside the dashboard: `path("/queues")` is `/conveyor/queues` under that prefix.
    func path(_ path: String) -> String {
        path == "/" && !prefix.isEmpty ? prefix + "/" : prefix + path
    }
}
