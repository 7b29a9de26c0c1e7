// A service provider on @node-saml/node-saml, configured with the
// library's defaults plus what it requires (idpCert, issuer, callbackUrl,
// entryPoint). Routes: GET /login (SP-initiated, HTTP-Redirect), POST /acs,
// GET /whoami (200 {"nameID": ...} when signed in, else 401). Prints
// "listening http://127.0.0.1:PORT" once it accepts connections.
"use strict";
const fs = require("fs");
const http = require("http");
const crypto = require("crypto");
const { SAML } = require("@node-saml/node-saml");

const cert = fs.readFileSync(process.env.IDP_CERT, "utf8");
const sessions = new Map();

const server = http.createServer(async (req, res) => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const url = new URL(req.url, origin);
  try {
    if (req.method === "GET" && url.pathname === "/login") {
      const to = await saml.getAuthorizeUrlAsync("", undefined, {});
      res.writeHead(302, { Location: to });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/acs") {
      const chunks = [];
      let size = 0;
      for await (const c of req) {
        size += c.length;
        if (size > 2 * 1024 * 1024) {
          res.writeHead(413);
          return res.end("too large");
        }
        chunks.push(c);
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const { profile } = await saml.validatePostResponseAsync({
        SAMLResponse: form.get("SAMLResponse"),
        RelayState: form.get("RelayState") || undefined,
      });
      const sid = crypto.randomBytes(16).toString("hex");
      sessions.set(sid, profile.nameID);
      res.writeHead(303, { Location: "/whoami", "Set-Cookie": `sid=${sid}; Path=/; HttpOnly` });
      return res.end();
    }
    if (req.method === "GET" && url.pathname === "/whoami") {
      const m = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie || "");
      const who = m && sessions.get(m[1]);
      res.writeHead(who ? 200 : 401, { "Content-Type": "application/json" });
      return res.end(JSON.stringify(who ? { nameID: who } : { signedIn: false }));
    }
    res.writeHead(404);
    res.end();
  } catch (e) {
    res.writeHead(403, { "Content-Type": "text/plain" });
    res.end(String(e && e.message ? e.message : e));
  }
});

let saml;
server.listen(0, "127.0.0.1", () => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  saml = new SAML({
    idpCert: cert,
    issuer: `${origin}/metadata`,
    callbackUrl: `${origin}/acs`,
    entryPoint: "http://127.0.0.1:9/idp/sso",
  });
  console.log(`listening ${origin}`);
});
