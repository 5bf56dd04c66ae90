"""One key: a secret handed out once, of which the database keeps only a digest.

Set-password links, team links and access requests' status links are keys,
and so will API tokens be. What they share lives here, once:

- ``secrets``: making a secret, its digest, the shapes a presented one may take;
- ``models``: ``DigestKey``, the abstract model with the digest and the one
  lookup from a presented secret to a row or ``KeyInvalid`` with its reason,
  and ``IssuedKey``, which adds who issued it, its expiry and revocation, and
  the one rule that a key carries its issuer's powers no longer than they last;
- ``kinds``: each kind's URLs and cookie, which the views, the rate limits and
  the log redaction read;
- ``cookies``, ``views``: how a browser comes back to a key without its secret;
- ``pages``: the one page every key that cannot be used gets;
- ``redaction``: keeping every key's secret out of the logs;
- ``urls``: the absolute URL of a key, the only function that builds one.
"""
