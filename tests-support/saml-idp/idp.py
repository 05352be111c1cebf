#!/usr/bin/env python3
"""A SAML 2.0 identity provider for orgwarden's tests, built on pysaml2's IdP server classes
(which sign through Debian's xmlsec1). Loopback only; fixed test users; nothing kept.

    .venv/bin/python idp.py --sp-metadata SP.xml [--port 0] [--sign-response]
                            [--no-sign-assertion] [--sha1] [--want-signed-requests]

Signatures are RSA-SHA256 with SHA-256 digests unless --sha1.

It makes a fresh RSA key and self-signed certificate at start (openssl) in a private temporary
directory, then prints one JSON line on stdout:

    {"url": "http://127.0.0.1:PORT", "entity_id": ..., "sso_redirect": ..., "sso_post": ...,
     "cert_file": ..., "cert_pem": ..., "metadata_url": ...}

Routes:
    GET  /sso/redirect   AuthnRequest by the HTTP-Redirect binding -> the login form
    POST /sso/post       AuthnRequest by the HTTP-POST binding     -> the login form
    POST /login          username, password (+ the request, carried by the form)
                         -> an auto-submitting form posting a signed SAMLResponse to the ACS URL
    GET  /metadata       the IdP's metadata
"""

import argparse
import html
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"

# Fixed test users: password, NameID, attributes (WS-Federation claim names, as ADFS sends them,
# so the SP's default mapping applies; plus one attribute of our own for fieldsMap).
USERS = {
    "alice": {
        "password": "alice-password",
        "name_id": "alice@example.org",
        "attributes": {
            CLAIMS + "emailaddress": ["alice@example.org"],
            CLAIMS + "name": ["Alice Liddell"],
            CLAIMS + "givenname": ["Alice"],
            CLAIMS + "surname": ["Liddell"],
            "department": ["Wonderland"],
            "groups": ["admins", "staff"],
        },
    },
    "bob": {
        "password": "bob-password",
        "name_id": "bob@example.org",
        "attributes": {
            CLAIMS + "emailaddress": ["bob@example.org"],
            CLAIMS + "givenname": ["Bob"],
        },
    },
}

MAX_BODY = 256 * 1024


def make_key(directory):
    key = os.path.join(directory, "idp.key")
    cert = os.path.join(directory, "idp.crt")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", "/CN=orgwarden test SAML IdP"],
        check=True, capture_output=True,
    )
    os.chmod(key, 0o600)
    return key, cert


SHA256 = ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256")
SHA1 = ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1")


def build_server(base, key, cert, sp_metadata, sign_response, sign_assertion, algorithms,
                 want_signed_requests):
    entity_id = base + "/metadata"
    config = {
        "signing_algorithm": algorithms[0],
        "digest_algorithm": algorithms[1],
        "entityid": entity_id,
        "service": {
            "idp": {
                "name": "orgwarden test IdP",
                "endpoints": {
                    "single_sign_on_service": [
                        (base + "/sso/redirect", BINDING_HTTP_REDIRECT),
                        (base + "/sso/post", BINDING_HTTP_POST),
                    ],
                },
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 5},
                        "attribute_restrictions": None,
                        "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                    },
                },
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT,
                                   NAMEID_FORMAT_TRANSIENT],
                "want_authn_requests_signed": want_signed_requests,
                "sign_response": sign_response,
                "sign_assertion": sign_assertion,
            },
        },
        "key_file": key,
        "cert_file": cert,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [sp_metadata]},
    }
    conf = IdPConfig()
    conf.load(config)
    return Server(config=conf), conf


def page(title, body):
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title></head><body>%s</body></html>"
        % (html.escape(title), body)
    ).encode("utf-8")


def hidden(name, value):
    return '<input type="hidden" name="%s" value="%s">' % (html.escape(name), html.escape(value or ""))


class Handler(BaseHTTPRequestHandler):
    server_version = "orgwarden-test-idp"
    idp = None
    metadata = b""
    sign_response = False
    sign_assertion = True
    algorithms = SHA256

    def log_message(self, fmt, *args):  # quiet; errors go to stderr below
        pass

    def reply(self, status, body, content_type="text/html; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def form(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        data = self.rfile.read(length).decode("utf-8")
        return {k: v[0] for k, v in urllib.parse.parse_qs(data).items()}

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/metadata":
            return self.reply(200, self.metadata, "application/samlmetadata+xml")
        if url.path == "/sso/redirect":
            return self.login_form(query, BINDING_HTTP_REDIRECT)
        return self.reply(404, page("not found", "not found"))

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            form = self.form()
        except ValueError as e:
            return self.reply(400, page("bad request", html.escape(str(e))))
        if url.path == "/sso/post":
            return self.login_form(form, BINDING_HTTP_POST)
        if url.path == "/login":
            return self.login(form)
        return self.reply(404, page("not found", "not found"))

    def parse(self, params, binding):
        """The AuthnRequest; with --want-signed-requests its signature is checked against the SP
        metadata's signing certificate (the query's SigAlg/Signature for the redirect binding)."""
        return self.idp.parse_authn_request(
            params.get("SAMLRequest", ""), binding,
            relay_state=params.get("RelayState"),
            sigalg=params.get("SigAlg"),
            signature=params.get("Signature"),
        )

    def login_form(self, params, binding):
        saml_request = params.get("SAMLRequest")
        if not saml_request:
            return self.reply(400, page("bad request", "no SAMLRequest"))
        try:
            self.parse(params, binding)
        except Exception as e:  # noqa: BLE001 - any parse failure is the client's
            print("idp: bad AuthnRequest: %r" % e, file=sys.stderr)
            return self.reply(400, page("bad request", "the AuthnRequest could not be read"))
        body = (
            '<h1>Sign in to the test IdP</h1><form method="post" action="/login">'
            '<label>Username <input name="username"></label>'
            '<label>Password <input name="password" type="password"></label>'
            + hidden("SAMLRequest", saml_request)
            + hidden("RelayState", params.get("RelayState"))
            + hidden("binding", binding)
            + "".join(hidden(n, params[n]) for n in ("SigAlg", "Signature") if n in params)
            + '<button type="submit">Sign in</button></form>'
        )
        return self.reply(200, page("Sign in", body))

    def login(self, form):
        user = USERS.get(form.get("username", ""))
        binding = form.get("binding")
        if binding not in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST):
            return self.reply(400, page("bad request", "unknown binding"))
        if user is None or form.get("password") != user["password"]:
            return self.reply(401, page("Sign in", "wrong username or password"))
        try:
            request = self.parse(form, binding)
            args = self.idp.response_args(request.message, [BINDING_HTTP_POST])
        except Exception as e:  # noqa: BLE001
            print("idp: bad AuthnRequest: %r" % e, file=sys.stderr)
            return self.reply(400, page("bad request", "the AuthnRequest could not be read"))
        name_id = NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user["name_id"])
        authn = {"class_ref": PASSWORD, "authn_auth": self.idp.config.entityid}
        response = self.idp.create_authn_response(
            user["attributes"],
            userid=user["name_id"],
            name_id=name_id,
            authn=authn,
            sign_response=self.sign_response,
            sign_assertion=self.sign_assertion,
            sign_alg=self.algorithms[0],
            digest_alg=self.algorithms[1],
            **args,
        )
        http_args = self.idp.apply_binding(
            BINDING_HTTP_POST, str(response), args["destination"],
            form.get("RelayState") or "", response=True,
        )
        return self.reply(200, http_args["data"].encode("utf-8") if isinstance(http_args["data"], str)
                          else http_args["data"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sp-metadata", required=True, help="the SP's metadata file")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sign-response", action="store_true", help="sign the Response too")
    parser.add_argument("--no-sign-assertion", action="store_true", help="leave the Assertion unsigned")
    parser.add_argument("--sha1", action="store_true", help="sign with RSA-SHA1 (pysaml2's old default)")
    parser.add_argument("--want-signed-requests", action="store_true",
                        help="refuse AuthnRequests not signed with the SP metadata's signing key")
    opts = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="orgwarden-saml-idp-")  # 0700
    key, cert = make_key(workdir)
    httpd = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    base = "http://127.0.0.1:%d" % httpd.server_address[1]
    algorithms = SHA1 if opts.sha1 else SHA256
    idp, conf = build_server(base, key, cert, opts.sp_metadata, opts.sign_response,
                             not opts.no_sign_assertion, algorithms, opts.want_signed_requests)
    Handler.algorithms = algorithms
    Handler.idp = idp
    Handler.sign_response = opts.sign_response
    Handler.sign_assertion = not opts.no_sign_assertion
    Handler.metadata = create_metadata_string(None, conf, 4, None, None, None, None)
    with open(cert, encoding="ascii") as f:
        cert_pem = f.read()
    print(json.dumps({
        "url": base,
        "entity_id": conf.entityid,
        "sso_redirect": base + "/sso/redirect",
        "sso_post": base + "/sso/post",
        "metadata_url": base + "/metadata",
        "cert_file": cert,
        "cert_pem": cert_pem,
    }), flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for name in os.listdir(workdir):
            os.unlink(os.path.join(workdir, name))
        os.rmdir(workdir)


if __name__ == "__main__":
    main()
