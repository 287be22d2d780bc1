// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Conveyor",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Conveyor", targets: ["Conveyor"]),
        .library(name: "ConveyorJSON", targets: ["ConveyorJSON"]),
        .library(name: "ConveyorLogging", targets: ["ConveyorLogging"]),
        .library(name: "ConveyorRedis", targets: ["ConveyorRedis"]),
        .library(name: "ConveyorPrometheus", targets: ["ConveyorPrometheus"]),
        .library(name: "RedisClient", targets: ["RedisClient"]),
        .library(name: "ConveyorTestKit", targets: ["ConveyorTestKit"]),
        .library(name: "ConveyorRedisTestKit", targets: ["ConveyorRedisTestKit"]),
        .library(name: "ConveyorWeb", targets: ["ConveyorWeb"]),
        .executable(name: "conveyor", targets: ["ConveyorCLI"]),
        .library(name: "ConveyorWorkerMain", targets: ["ConveyorWorkerMain"]),
        .executable(name: "conveyor-worker", targets: ["ConveyorWorkerCLI"]),
        .executable(name: "example-worker", targets: ["ExampleWorker"]),
        .executable(name: "image-worker", targets: ["ImageWorker"]),
        .executable(name: "hummingbird-example", targets: ["HummingbirdExample"]),
        .executable(name: "dashboard-example", targets: ["DashboardExample"]),
        .executable(name: "conveyor-bench", targets: ["ConveyorBenchmark"]),
        .executable(name: "conveyor-chaos", targets: ["ConveyorChaos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The dashboard (ConveyorWeb, `conveyor web`) and the example app use Hummingbird; the core, the
        // Redis backend and the worker do not.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The only target that sees C: hiredis via pkg-config, plus the Linux headers the client needs.
        .systemLibrary(
            name: "CHiredis",
            path: "Sources/CHiredis",
            // No pkgConfig: Debian's hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a
            // warning on every build; the headers are in /usr/include and the module map links hiredis.
            providers: [.apt(["libhiredis-dev"])]
        ),
        // OpenSSL for rediss://, used by the Redis client alone: Debian bookworm's hiredis 0.14 has no TLS,
        // so the client runs the TLS session itself and keeps hiredis as the protocol engine.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // Threads, locks and SHA-1 shared by the client and the core; no knowledge of Redis or jobs.
        .target(name: "ConveyorSupport"),
        // hiredis wrapped in Swift: URLs, replies, errors, blocking connections (plain or TLS) and the
        // async client.
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis",
                "COpenSSL",
                "ConveyorSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The JSON value model, parser, writer and Codable coder: exact numbers, ordered objects,
        // nothing but the standard library, so it can be used (and tested) without the queue.
        .target(name: "ConveyorJSON"),
        // The log settings both executables take (--log-level, --log-format) and a JSON-lines handler
        // for swift-log, written with ConveyorJSON so job data cannot forge a line.
        .target(
            name: "ConveyorLogging",
            dependencies: [
                "ConveyorJSON",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Jobs, the backend protocol, the in-memory backend, the worker and the producer. Knows nothing of Redis;
        // re-exports ConveyorJSON. Tracing is the API alone (no exporter, no HTTP): with no tracer bootstrapped
        // its spans are no-ops. Metrics go through swift-metrics' API only (CoreMetrics, no backend), so an
        // app that only pushes jobs builds no Prometheus and no HTTP server.
        .target(
            name: "Conveyor",
            dependencies: [
                "ConveyorJSON",
                "ConveyorSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // What both executables' command lines share: the Redis connection flags and advice that names them.
        .target(
            name: "ConveyorCommandLine",
            dependencies: ["RedisClient", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The Redis backend: Sidekiq's keys, reliable fetch and Lua scripts.
        .target(
            name: "ConveyorRedis",
            dependencies: [
                "Conveyor",
                "ConveyorSupport",
                "RedisClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: []
        ),
        // The worker's metrics in Prometheus's text format, served on GET /metrics by a small HTTP/1.1
        // responder on a thread of its own: what `conveyor-worker --metrics-port` runs.
        .target(
            name: "ConveyorPrometheus",
            dependencies: [
                "Conveyor",
                "ConveyorSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The backend conformance suite and threaded fetches for tests: no hiredis, so a team unit-testing
        // handlers against InMemoryBackend needs no libhiredis-dev.
        .target(
            name: "ConveyorTestKit",
            dependencies: ["Conveyor", "ConveyorSupport"]
        ),
        // A throwaway redis-server and child processes, for tests against a real Redis.
        .target(
            name: "ConveyorRedisTestKit",
            dependencies: ["ConveyorTestKit", "ConveyorSupport", "RedisClient"]
        ),
        // The web dashboard: server-rendered pages over JobAdministration, mounted in any Hummingbird app.
        .target(
            name: "ConveyorWeb",
            dependencies: [
                "Conveyor",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "ConveyorCLI",
            dependencies: [
                "Conveyor",
                "ConveyorCommandLine",
                "ConveyorWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
                "ConveyorLogging",
                "ConveyorRedis",
                "RedisClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A worker process around the user's own jobs: every conveyor-worker flag, REDIS_URL, signals,
        // exit codes and logging, so a team's worker executable is three lines.
        .target(
            name: "ConveyorWorkerMain",
            dependencies: [
                "Conveyor",
                "ConveyorCommandLine",
                "ConveyorLogging",
                "ConveyorPrometheus",
                "ConveyorRedis",
                "ConveyorSupport",
                "RedisClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // conveyor-worker: WorkerMain around the built-in jobs.
        .executableTarget(
            name: "ConveyorWorkerCLI",
            dependencies: ["Conveyor", "ConveyorRedis", "ConveyorWorkerMain", "RedisClient"]
        ),
        // The load tool behind scripts/bench: drives the real executables against a real Redis.
        // The README's "Mounting the dashboard in your app": ConveyorWeb under a prefix, compiled so it cannot drift.
        .executableTarget(
            name: "DashboardExample",
            dependencies: [
                "ConveyorRedis",
                "ConveyorWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Examples/DashboardExample"
        ),
        .executableTarget(
            name: "ConveyorBenchmark",
            dependencies: [
                "Conveyor",
                "ConveyorPrometheus",
                "ConveyorSupport",
                "ConveyorRedis",
                "RedisClient",
                "ConveyorTestKit",
                "ConveyorRedisTestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The fault-injection suite behind scripts/chaos: kills real workers and redis-servers mid-run.
        .executableTarget(
            name: "ConveyorChaos",
            dependencies: [
                "Conveyor",
                "ConveyorSupport",
                "ConveyorRedis",
                "RedisClient",
                "ConveyorTestKit",
                "ConveyorRedisTestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ExampleWorker",
            dependencies: ["Conveyor", "ConveyorWorkerMain"],
            path: "Examples/ExampleWorker"
        ),
        // The README's Sidekiq interoperability example, compiled so it cannot drift.
        .executableTarget(
            name: "ImageWorker",
            dependencies: ["Conveyor", "ConveyorWorkerMain"],
            path: "Examples/ImageWorker"
        ),
        // The README's "Running inside your app": a Hummingbird 2 app whose route pushes a typed job and
        // whose ServiceGroup runs the worker next to the HTTP server.
        .executableTarget(
            name: "HummingbirdExample",
            dependencies: [
                "Conveyor",
                "ConveyorRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/HummingbirdExample"
        ),
        .testTarget(
            name: "ConveyorTests",
            // The worker executable too, so the built-in jobs are tested on the in-memory backend.
            dependencies: [
                "Conveyor", "ConveyorTestKit", "ConveyorWorkerCLI", "RedisClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "ConveyorPrometheusTests",
            dependencies: [
                "Conveyor", "ConveyorPrometheus", "ConveyorRedisTestKit", "ConveyorTestKit",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "ConveyorWebTests",
            dependencies: [
                "Conveyor", "ConveyorWeb", "ConveyorTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ConveyorJSONTests",
            dependencies: ["ConveyorJSON"]
        ),
        .testTarget(
            name: "ConveyorLoggingTests",
            dependencies: [
                "ConveyorLogging", "ConveyorJSON",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RedisClientTests",
            dependencies: ["RedisClient", "ConveyorSupport", "ConveyorTestKit", "ConveyorRedisTestKit"]
        ),
        .testTarget(
            name: "ConveyorRedisTests",
            dependencies: [
                "Conveyor", "ConveyorRedis", "ConveyorSupport", "RedisClient", "ConveyorTestKit", "ConveyorRedisTestKit",
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
    ]
)
