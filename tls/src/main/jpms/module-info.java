/*
 * Not compiled yet: this file moves to src/main/java once the runtime is the JPMS module
 * io.jring (a parallel branch). Until that is merged there is no module io.jring to require, and
 * the compiler reads any module-info.java under src/main/java (excludes do not stop it).
 */
/** TLS over jring connections with the JDK's SSLEngine. */
module io.jring.tls {
    requires io.jring;
    exports io.jring.tls;
}
