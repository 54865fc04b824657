import PortcullisCore
import PortcullisStore

extension Portcullis {
    /// Core's one-consent-one-decision rule, wired to the store and the server's internal MAC key.
    var consentDecisions: ConsentDecisions {
        ConsentDecisions(repository: store.consentDecisions, key: serverKey.internalMACKey, clock: authorizationServer.clock)
    }
}
