// A SAML 2.0 identity provider built with samlify, for IamDb's AssumeRoleWithSAML tests.
//
//   node idp.js KEY.pem CERT.pem ENTITY_ID
//
// One process serves a whole test class: it reads one JSON request per line on stdin and answers one JSON line on
// stdout.
//   {"metadata": true}                               -> {"metadata": "<EntityDescriptor ...>"} (for CreateSAMLProvider)
//   {"audience": "...", "nameId": "...",
//    "attributes": {"Name": ["v1", "v2"], ...}}       -> {"response": "<base64 SAMLResponse>"}
// The response and its assertion are both signed (RSA-SHA256, exclusive c14n) with KEY, as an "AWS" SAML app of an
// identity provider signs them; the audience is also the recipient and destination (AWS's ACS URL by default).
'use strict';

const fs = require('node:fs');
const readline = require('node:readline');
const saml = require('samlify');

// samlify insists on a schema validator before it *reads* SAML messages (responses it receives). This identity provider
// only issues responses and never parses one, so no validator ever runs; a refusing stand-in makes that visible should
// samlify ever call it here.
saml.setSchemaValidator({ validate: () => Promise.reject(new Error('this identity provider does not read SAML messages')) });

const [keyPath, certPath, entityId] = process.argv.slice(2);
if (!keyPath || !certPath || !entityId) {
  process.stderr.write('usage: node idp.js KEY.pem CERT.pem ENTITY_ID\n');
  process.exit(2);
}

const AwsAcs = 'https://signin.aws.amazon.com/saml';
const Persistent = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const Basic = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';

// Braces are escaped too: samlify's template filling would otherwise take {Name} inside a value for one of its tags.
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  .replace(/\{/g, '&#123;').replace(/\}/g, '&#125;');

const idp = saml.IdentityProvider({
  entityID: entityId,
  privateKey: fs.readFileSync(keyPath, 'utf8'),
  signingCert: fs.readFileSync(certPath, 'utf8'),
  nameIDFormat: [Persistent],
  singleSignOnService: [{ Binding: saml.Constants.namespace.binding.redirect, Location: 'https://idp.test.example/sso' }],
});

function serviceProvider(audience) {
  return saml.ServiceProvider({
    entityID: audience,
    assertionConsumerService: [{ Binding: saml.Constants.namespace.binding.post, Location: audience }],
    wantAssertionsSigned: true,
    wantMessageSigned: true,
  });
}

async function response(request) {
  const audience = request.audience || AwsAcs;
  const statement = Object.entries(request.attributes || {})
    .map(([name, values]) => `<saml:Attribute Name="${escape(name)}" NameFormat="${Basic}">`
      + values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${escape(v)}</saml:AttributeValue>`).join('')
      + '</saml:Attribute>')
    .join('');
  const now = new Date();
  const later = new Date(now.getTime() + 5 * 60 * 1000).toISOString();
  const values = {
    ID: '_' + require('node:crypto').randomUUID(),
    AssertionID: '_' + require('node:crypto').randomUUID(),
    Destination: audience,
    Audience: audience,
    SubjectRecipient: audience,
    Issuer: entityId,
    IssueInstant: now.toISOString(),
    StatusCode: saml.Constants.StatusCode.Success,
    ConditionsNotBefore: now.toISOString(),
    ConditionsNotOnOrAfter: later,
    SubjectConfirmationDataNotOnOrAfter: later,
    NameIDFormat: Persistent,
    NameID: request.nameId || 'ada@example.com',
  };
  // An IdP-initiated response (no AuthnRequest): samlify's own template, filled here, then signed by samlify.
  // samlify escapes the values it substitutes, so the XML statements go into the template before that.
  const authn = `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"><saml:AuthnContext><saml:AuthnContextClassRef>`
    + 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>';
  const template = saml.SamlLib.defaultLoginResponseTemplate.context
    .replace(/ InResponseTo="\{InResponseTo\}"/g, '')
    .replace('{AuthnStatement}', () => authn)
    .replace('{AttributeStatement}', () => (statement ? `<saml:AttributeStatement>${statement}</saml:AttributeStatement>` : ''));
  const { context } = await idp.createLoginResponse(serviceProvider(audience), null, 'post', {}, (_) => ({
    id: values.ID,
    context: saml.SamlLib.replaceTagsByValue(template, values),
  }));
  return context;
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    answer = request.metadata ? { metadata: idp.getMetadata() } : { response: await response(request) };
  } catch (error) {
    answer = { error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
