/// The `--redis` help both command lines show, so the URL forms they accept are listed once.
public enum RedisURLHelp {
    /// The help text of `--redis URL`.
    public static let option = "Redis URL: redis://[user:password@]host[:port][/db], unix:///path.sock?db=N, or redis+sentinel://[user:password@]host1:26379,host2:26379/MASTER[/db] to follow Sentinel failovers. Default: $REDIS_URL, else redis://127.0.0.1:6379/0."
}
