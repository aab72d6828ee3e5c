/*
 * Not compiled on this branch: it moves to src/main/java once the runtime is the JPMS module
 * io.jring (merged on main meanwhile). Until then there is no module io.jring to require, and the
 * compiler reads any module-info.java under src/main/java (excludes do not stop it). Checked
 * against main with the JPMS runtime: it compiles without warnings and the tls tests pass with it.
 */
/** TLS over jring connections with the JDK's SSLEngine. */
module io.jring.tls {
    requires transitive io.jring; // its API speaks io.jring types (Connection, IoBuffer)
    exports io.jring.tls;
}
