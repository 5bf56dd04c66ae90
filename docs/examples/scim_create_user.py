#!/usr/bin/env python3
"""Create one account over SCIM and print its set-password link: a starting point for scripts.

    export PEOPLE_SCIM_URL=https://people.example.com/scim/v2/
    export PEOPLE_SCIM_TOKEN=ppl_…        # from: python manage.py api_token …
    python3 scim_create_user.py --email ada@example.com --first-name Ada --last-name Lovelace

Standard library only. The link is shown once, in the answer to the request
that created the account: hand it to the person (see docs/scim.md). Exit
status 0 when the account was made, 1 when the service refused it, 2 for
bad arguments or a service that cannot be reached.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LINK_EXTENSION = "urn:people:params:scim:schemas:extension:link:2.0:User"

# What each refusal means for the person running this script.
ADVICE = {
    401: "the token was refused: it is unknown, expired or revoked, or its owner "
    "is deactivated. Issue a new one (manage.py api_token).",
    403: "the token's owner may not do this: they need the permissions "
    "accounts.add_user and invites.issue_link, and staff status (see docs/scim.md).",
    409: "an account with this email already exists.",
    429: "too many failed attempts from this address; wait a minute.",
}


class Failure(Exception):
    """An expected failure: its message is for the person, with no traceback."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("PEOPLE_SCIM_URL"),
        help="the SCIM base URL, ending in /scim/v2/ (default: $PEOPLE_SCIM_URL)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("PEOPLE_SCIM_TOKEN"),
        help="the API token, ppl_… (default: $PEOPLE_SCIM_TOKEN; prefer the variable: "
        "arguments are visible to other users of the machine)",
    )
    parser.add_argument("--email", required=True, help="the address the person signs in with")
    parser.add_argument("--first-name", default="")
    parser.add_argument("--last-name", default="")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give the service's address: --url or PEOPLE_SCIM_URL")
    if not args.url.startswith(("https://", "http://")):
        parser.error(f"the service's address must start with https:// (not {args.url!r})")
    if not args.token:
        parser.error("give an API token: PEOPLE_SCIM_TOKEN or --token")
    return args


def create_user(base_url: str, token: str, user: dict) -> dict:
    """POST the user to ``{base_url}/Users``: the created resource, or ``Failure``."""
    # The scheme is checked in arguments(): https or http, never file: or another.
    request = urllib.request.Request(  # noqa: S310
        base_url.rstrip("/") + "/Users",
        data=json.dumps(user).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": SCIM_JSON,
            "Accept": SCIM_JSON,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise Failure(refusal(error)) from None
    except urllib.error.URLError as error:
        raise Failure(f"cannot reach {base_url}: {error.reason}", status=2) from None
    except (TimeoutError, ConnectionError) as error:
        raise Failure(f"cannot reach {base_url}: {error}", status=2) from None
    except json.JSONDecodeError:
        raise Failure(f"{base_url} answered no JSON: is it the SCIM address?", status=2) from None


def refusal(error: urllib.error.HTTPError) -> str:
    """The service's refusal in words: what it means, and the SCIM error's detail."""
    try:
        detail = json.load(error).get("detail") or ""
    except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
        detail = ""
    meaning = ADVICE.get(error.code, f"the service answered HTTP {error.code}.")
    return f"refused (HTTP {error.code}): {meaning}" + (f"\n  {detail}" if detail else "")


def main(argv=None) -> int:
    args = arguments(argv)
    user = {
        "schemas": [USER_SCHEMA],
        "userName": args.email,
        "name": {"givenName": args.first_name, "familyName": args.last_name},
        "active": True,
    }
    try:
        created = create_user(args.url, args.token, user)
    except Failure as failure:
        print(f"scim_create_user: {failure}", file=sys.stderr)
        return failure.status
    link = created.get(LINK_EXTENSION) or {}
    print(f"created {created.get('userName')} (id {created.get('id')})")
    print(f"set-password link: {link.get('setPasswordLink')}")
    print(f"expires: {link.get('setPasswordLinkExpires')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
