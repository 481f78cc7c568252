<!--
  Shibboleth SP 3.4 configuration for a CIE Bench test instance (generated from
  scenarios/sp/third-party/shibboleth/shibboleth2.xml.tpl by scenarios/sp/third-party/shibboleth.ts).

  What makes it a CIE SP:
  - requests signed (rsa-sha256), sent over HTTP-Redirect, ForceAuthn, SpidL3 exact;
  - the SessionInitiator carries an AuthnRequest template: the SP keeps the template's
    NameIDPolicy (Format transient, no AllowCreate, which the CIE IdP requires; without a
    template the SP always adds AllowCreate="1"), its AttributeConsumingServiceIndex and its
    Issuer with NameQualifier and Format entity;
  - assertions must be signed (requireSignedAssertions);
  - attributes name, familyName, dateOfBirth, fiscalNumber (NameFormat basic) are mapped by
    attribute-map.xml; no attribute filter.
  Everything (socket, logs, keys, templates) lives in the instance directory.
-->
<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config"
    xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config"
    xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
    xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
    xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    clockSkew="180">

    <OutOfProcess logger="{{DIR}}/shibd.logger"/>
    <InProcess logger="{{DIR}}/native.logger"/>
    <UnixListener address="{{DIR}}/run/shibd.sock"/>

    <ApplicationDefaults entityID="{{ENTITY_ID}}"
        REMOTE_USER="fiscalNumber"
        signing="true" encryption="false"
        signingAlg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        digestAlg="http://www.w3.org/2001/04/xmlenc#sha256"
        requireSignedAssertions="true"
        authnContextClassRef="https://www.spid.gov.it/SpidL3"
        authnContextComparison="exact">

        <Sessions lifetime="1800" timeout="1800" relayState="ss:mem"
            checkAddress="false" handlerSSL="true" cookieProps="https"
            handlerURL="/Shibboleth.sso"
            redirectLimit="exact+allow" redirectAllow="{{IDP_ORIGIN}}">

            <SessionInitiator type="SAML2" Location="/Login" isDefault="true"
                entityID="{{IDP_ENTITY_ID}}"
                forceAuthn="true"
                outgoingBindings="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect">
                <samlp:AuthnRequest Version="2.0" ID="template" IssueInstant="1970-01-01T00:00:00Z"
                    AttributeConsumingServiceIndex="0"><saml:Issuer
                    Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
                    NameQualifier="{{ENTITY_ID}}">{{ENTITY_ID}}</saml:Issuer><samlp:NameIDPolicy
                    Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"/></samlp:AuthnRequest>
            </SessionInitiator>

            <md:AssertionConsumerService Location="/SAML2/POST" index="0"
                Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/>

            <!-- The CIE IdP does no SAML Single Logout: end the local session only. -->
            <LogoutInitiator type="Local" Location="/Logout"/>
            <md:SingleLogoutService Location="/SLO/Redirect"
                Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/>

            <Handler type="Session" Location="/Session" showAttributeValues="true"/>
            <Handler type="Status" Location="/Status" acl="127.0.0.1 ::1"/>
        </Sessions>

        <Errors supportContact="cie-sp@ciebench.invalid" styleSheet="/style.css"
            session="{{DIR}}/sessionError.html"/>

        <MetadataProvider type="XML" validate="true" path="{{DIR}}/idp-metadata.xml"/>
        <AttributeExtractor type="XML" validate="true" reloadChanges="false" path="{{DIR}}/attribute-map.xml"/>
        <CredentialResolver type="File" use="signing"
            key="{{DIR}}/cert/sp-signing.key" certificate="{{DIR}}/cert/sp-signing.crt"/>
    </ApplicationDefaults>

    <SecurityPolicyProvider type="XML" validate="true" path="/etc/shibboleth/security-policy.xml"/>
    <ProtocolProvider type="XML" validate="true" reloadChanges="false" path="/etc/shibboleth/protocols.xml"/>
</SPConfig>
