/**
 * TLS over jring connections with the JDK's SSLEngine ({@code java.base}'s javax.net.ssl): no
 * third-party dependency, so it ships in the one-coordinate library.
 */
module io.jring.tls {
    requires transitive io.jring; // its API speaks io.jring types (Connection, IoBuffer)
    exports io.jring.tls;
}
