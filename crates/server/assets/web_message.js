// orgwarden sign-in: response_mode=web_message. Posts the answer (code and state, or the
// error) to the application's page that framed /authorize, at the one origin the server
// checked against the client's web origins; Auth0's SDKs listen for this message.
"use strict";
(function () {
  const el = document.getElementById("web-message");
  const response = JSON.parse(el.dataset.response);
  const target = window.opener || window.parent;
  target.postMessage({ type: "authorization_response", response: response }, el.dataset.origin);
})();
