extension RedisConfiguration {
    /// For a TLS configuration, fills each TLS setting not given yet from the environment:
    /// `REDIS_CACERT` (CA file), `REDIS_CERT` (client certificate), `REDIS_KEY` (its key) and
    /// `REDIS_INSECURE` (`true` skips verifying the server). A plain configuration is left alone, so
    /// these variables can stay set for tools that talk to other servers.
    ///
    /// Settings in the URL win over the environment; command lines apply their flags after this.
    public mutating func applyTLSEnvironment() throws(RedisError) {
        guard var tls else { return }
        tls.caCertificatePath = tls.caCertificatePath ?? RedisEnvironment.value(RedisEnvironment.caCertificate)
        tls.certificatePath = tls.certificatePath ?? RedisEnvironment.value(RedisEnvironment.certificate)
        tls.privateKeyPath = tls.privateKeyPath ?? RedisEnvironment.value(RedisEnvironment.privateKey)
        // A Bool cannot tell an unset `insecure` from `insecure=false`: the variable can turn
        // verification off, never back on.
        if tls.verifiesServer, let text = RedisEnvironment.value(RedisEnvironment.insecure) {
            guard let insecure = RedisURLParser.boolean(text) else {
                throw .invalidURL(displayAddress, reason: "\(RedisEnvironment.insecure)='\(text)' must be true or false")
            }
            tls.verifiesServer = !insecure
        }
        self.tls = tls
    }
}
