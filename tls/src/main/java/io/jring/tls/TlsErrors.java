package io.jring.tls;

import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Turns the JDK's TLS failures into messages that say what happened (the alert it names) and
 * what the user can do about it. The original exception stays attached as the cause.
 */
final class TlsErrors {
    private TlsErrors() {}

    static SSLException explain(Throwable error, String peer, boolean handshaking, List<String> protocols) {
        String message = String.valueOf(error.getMessage());
        String text = (handshaking ? "TLS handshake with " : "TLS connection with ") + peer + " failed: " + message
                + advice(message.toLowerCase(Locale.ROOT), protocols);
        SSLException explained = handshaking ? new SSLHandshakeException(text) : new SSLException(text);
        explained.initCause(error);
        return explained;
    }

    private static String advice(String m, List<String> protocols) {
        if (m.contains("pkix path") || m.contains("certification path") || m.contains("unknown_ca")) {
            return ". The peer's certificate chain is not signed by anything this side trusts: give"
                    + " TlsOptions.withTrustedCertificates(...) the CA (or the self-signed certificate) that signed it";
        }
        if (m.contains("no subject alternative") || m.contains("no name matching")) {
            return ". The certificate does not name the host given to Tls.client: connect with a name it holds, or"
                    + " turn off TlsOptions.withHostnameVerification for local tests only";
        }
        if (m.contains("certificate_unknown") || m.contains("bad_certificate") || m.contains("certificate_required")) {
            return ". The peer refused our certificate: make it trust our chain (for a self-signed certificate, the"
                    + " client needs it in its trust store, or curl -k)";
        }
        if (m.contains("certificate_expired") || m.contains("notafter") || m.contains("expired")) {
            return ". A certificate has expired: renew it";
        }
        if (m.contains("protocol_version") || m.contains("no appropriate protocol")
                || m.contains("unsupported protocol")) {
            return ". The two sides share no TLS version (this side offers " + protocols + "): enable TLS 1.3 or 1.2"
                    + " on the peer, or change TlsOptions.withProtocols";
        }
        if (m.contains("unrecognized ssl message") || m.contains("unexpected_message")
                || m.contains("record_overflow") || m.contains("decode_error") || m.contains("bad_record_mac")) {
            return ". The peer did not send valid TLS records (plaintext sent to a TLS port, or a corrupted"
                    + " stream): check that both sides speak TLS on this port";
        }
        if (m.contains("no_application_protocol")) {
            return ". The two sides share no ALPN protocol: align TlsOptions.withApplicationProtocols with the peer";
        }
        if (m.contains("handshake_failure") || m.contains("cipher suite")) {
            return ". The two sides share no cipher suite or key type: check the peer's TLS configuration and"
                    + " this side's certificate key (EC P-256 and RSA 2048+ work everywhere)";
        }
        if (m.contains("renegotiation")) {
            return "";
        }
        return ". See the cause for the JDK's details";
    }
}
