"""The mutants that would be holes if they shipped, each with the tests that must kill it.

mutmut (``make mutation``) mutates only inside undecorated functions: it never
touches a decorator (``sensitive_variables``, a rate limit's ``method`` or
``group``), a module-level table, or a ``@transaction.atomic`` service, and it
makes no deletion of a whole statement. This script makes those changes by hand,
one at a time, in a copy of the project, and runs the tests named for each: a
mutant is killed when one of them fails. It also holds the holes mutmut does
make, so that the list in docs/testing.md ("Mutation testing") is checked
whole. A ``before`` that is no longer in the code fails the run: the list must
follow the code.

    .venv/bin/python -m tests.mutation.extra [name-substring]
"""

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    before: str
    after: str
    tests: tuple[str, ...]


SERVICES = "invites/tests/test_services.py::"
MODELS = "invites/tests/test_models.py::"
TOKENS = "invites/tests/test_tokens.py::"
VIEWS = "invites/tests/test_views.py::"
POWERS = "accounts/tests/test_powers.py::"
VALIDATORS = "accounts/tests/test_validators.py::"
LIMITS = "project/tests/test_ratelimits.py::"
NET = "project/tests/test_net.py::"

MUTANTS = [
    Mutant(
        "a deactivated user's link still sets a password",
        "invites/links/models.py",
        "        if not self.user.is_active:\n            return KeyInvalid.Reason.USER_INACTIVE\n",
        "",
        (SERVICES + "test_redeem_refuses_a_deactivated_user_while_other_accounts_stay_active",),
    ),
    Mutant(
        "redeem goes on after its update consumed nothing",
        "invites/links/services.py",
        "            raise KeyInvalid(KeyInvalid.Reason.USED, link.pk)\n",
        "",
        (SERVICES + "test_a_redemption_whose_update_consumes_nothing_sets_no_password",),
    ),
    Mutant(
        "any 64 characters look like a digest",
        "invites/keys/secrets.py",
        'len(value) == DIGEST_LENGTH and all(c in "0123456789abcdef" for c in value)',
        "len(value) == DIGEST_LENGTH",
        (TOKENS + "test_only_64_lower_case_hex_digits_look_like_a_digest",),
    ),
    Mutant(
        "non-ASCII letters and digits look like a secret",
        "invites/keys/secrets.py",
        'c.isascii() and (c.isalnum() or c in "-_")',
        'c.isalnum() or c in "-_"',
        (
            TOKENS + "test_anything_else_does_not_look_like_a_secret",
            VIEWS + "test_a_secret_of_non_ascii_characters_is_refused_at_once",
        ),
    ),
    Mutant(
        "a link still opens at the very moment it expires",
        "invites/links/models.py",
        "if self.expires_at <= clock.now():",
        "if self.expires_at < clock.now():",
        (SERVICES + "test_a_link_expires_at_the_very_moment_of_its_expiry",),
    ),
    Mutant(
        "the pending links' query keeps a link at the moment it expires",
        "invites/links/models.py",
        "UNCLOSED & Q(expires_at__gt=now)",
        "UNCLOSED & Q(expires_at__gte=now)",
        (MODELS + "test_the_open_links_query_drops_a_link_at_the_moment_it_expires",),
    ),
    Mutant(
        "an inactive superuser keeps a superuser's powers",
        "accounts/powers.py",
        "    users = list(users)\n    if actor.is_active and actor.is_superuser:",
        "    users = list(users)\n    if actor.is_superuser:",
        (POWERS + "test_an_inactive_superuser_may_not_act_on_anyone_with_powers",),
    ),
    Mutant(
        "a key no longer asks whether its issuer may still issue it",
        "invites/keys/models.py",
        "return may_issue(issuer, self.issue_permission) and self.within_powers_of(issuer)",
        "return True",
        (
            SERVICES
            + "test_redeem_refuses_a_link_whose_superuser_issuer_was_deactivated_since_it_was_read",
        ),
    ),
    Mutant(
        "the length limit refuses a password of exactly 256 characters",
        "accounts/validators.py",
        "if len(password) > self.max_length:",
        "if len(password) >= self.max_length:",
        (VALIDATORS + "test_a_password_of_exactly_256_characters_is_accepted",),
    ),
    Mutant(
        "the length limit lets a password of 257 characters through",
        "accounts/validators.py",
        "if len(password) > self.max_length:",
        "if len(password) > self.max_length + 1:",
        (VALIDATORS + "test_a_password_of_257_characters_is_refused_as_too_long",),
    ),
    Mutant(
        "a 256-character password is not compared with the current one",
        "accounts/validators.py",
        "if len(password) > DEFAULT_MAX_LENGTH:",
        "if len(password) >= DEFAULT_MAX_LENGTH:",
        (VALIDATORS + "test_a_current_password_of_exactly_256_characters_is_still_compared",),
    ),
    Mutant(
        "a huge password is hashed to compare it with the current one",
        "accounts/validators.py",
        "            return  # already refused; do not spend a hash on it\n",
        "            pass\n",
        (VALIDATORS + "test_a_password_past_the_length_limit_is_refused_without_hashing_it",),
    ),
    Mutant(
        "the too-long error loses its code",
        "accounts/validators.py",
        'code="password_too_long"',
        'code="XXpassword_too_longXX"',
        (VALIDATORS + "test_a_password_of_257_characters_is_refused_as_too_long",),
    ),
    Mutant(
        "the unchanged-password error loses its code",
        "accounts/validators.py",
        'code="password_unchanged"',
        'code="XXpassword_unchangedXX"',
        (VALIDATORS + "test_a_reset_to_the_current_password_is_refused_as_unchanged",),
    ),
    Mutant(
        "the set-password page says the password is set when redemption failed",
        "invites/links/views.py",
        "        except KeyInvalid as error:\n            return _invalid(self.request, error)\n",
        "        except KeyInvalid:\n            pass\n",
        (VIEWS + "test_a_rival_redemption_landing_first_shows_the_invalid_page_not_success",),
    ),
    Mutant(
        "the link cookie is deleted on another path than its own",
        "invites/keys/cookies.py",
        'response.delete_cookie(self.name, path=self.path(), samesite="Lax")',
        'response.delete_cookie(self.name, samesite="Lax")',
        (VIEWS + "test_the_browser_is_told_to_forget_the_link_on_the_page_that_holds_it",),
    ),
    Mutant(
        "the open view no longer marks its secret sensitive",
        "invites/keys/views.py",
        '@sensitive_variables("secret")\n@never_cache\n@noindex\ndef key_open(',
        "@never_cache\n@noindex\ndef key_open(",
        (VIEWS + "test_a_crash_while_opening_a_link_reports_its_secret_as_stars",),
    ),
    Mutant(
        "loading the sign-in page counts as a failed sign-in",
        "project/ratelimits.py",
        'Guard("login", _POST,',
        'Guard("login", ANY_METHOD,',
        (LIMITS + "test_loading_the_sign_in_page_counts_nothing_and_is_never_refused",),
    ),
    Mutant(
        "loading the admin's sign-in page counts as a failed sign-in",
        "project/ratelimits.py",
        'Guard("admin:login", _POST,',
        'Guard("admin:login", ANY_METHOD,',
        (LIMITS + "test_loading_the_sign_in_page_counts_nothing_and_is_never_refused",),
    ),
    Mutant(
        "loading the password-change page counts as a failed change",
        "project/ratelimits.py",
        '"password_change",\n        _POST,',
        '"password_change",\n        ANY_METHOD,',
        (LIMITS + "test_loading_the_password_change_page_counts_nothing",),
    ),
    Mutant(
        "the admin's sign-in counts in groups of its own",
        "project/ratelimits.py",
        'Guard("admin:login", _POST, _SIGN_IN,',
        'Guard("admin:login", _POST, tuple(Limit("admin-" + limit.group, limit.rate, limit.per)'
        " for limit in _SIGN_IN),",
        (
            LIMITS + "test_failures_at_the_site_and_at_the_admin_share_one_count_per_address",
            LIMITS + "test_failures_at_the_site_and_at_the_admin_share_one_count_per_account",
        ),
    ),
    Mutant(
        "the account limit reads another field: every account in one bucket",
        "project/ratelimits.py",
        'request.POST.get("username", "")',
        'request.POST.get("email", "")',
        (LIMITS + "test_failures_on_one_account_hold_that_account_only",),
    ),
    Mutant(
        "a server error counts as the client's failure",
        "project/ratelimit_urls.py",
        "if response.status_code < 500:",
        "if response.status_code < 600:",
        (LIMITS + "test_a_sign_in_the_view_fails_to_serve_counts_nothing",),
    ),
    Mutant(
        "a named proxy header that is absent breaks the request",
        "project/net.py",
        'header.upper().replace("-", "_"), "")',
        'header.upper().replace("-", "_"))',
        (NET + "test_a_named_proxy_header_that_is_absent_leaves_the_proxys_own_address",),
    ),
    Mutant(
        "the first, forgeable address of the proxy header is taken",
        "project/net.py",
        'value.rsplit(",", 1)[-1]',
        'value.split(",", 1)[0]',
        (NET + "test_only_the_last_address_of_the_proxy_header_counts_whatever_the_spacing",),
    ),
]


def project_copy(target: Path) -> None:
    """Copy the working tree as it is (tracked and untracked files, not ignored ones)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def pytest(copy: Path, tests) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", *tests],
        cwd=copy,
        capture_output=True,
        text=True,
    )


def verdict(mutant: Mutant, copy: Path) -> str:
    path = copy / mutant.path
    original = path.read_text()
    if original.count(mutant.before) != 1:
        return "stale"
    path.write_text(original.replace(mutant.before, mutant.after))
    try:
        result = pytest(copy, mutant.tests)
    finally:
        path.write_text(original)
    if result.returncode == 1:
        return "killed"
    if result.returncode == 0:
        return "survived"
    return f"broken (pytest exit {result.returncode}): {result.stdout[-500:]}"


def main(only: str = "") -> int:
    chosen = [mutant for mutant in MUTANTS if only in mutant.name]
    with tempfile.TemporaryDirectory(prefix="extra-mutants-") as directory:
        copy = Path(directory)
        project_copy(copy)
        # Every named test must exist and pass on the code as it is, or a
        # failure under a mutant would prove nothing.
        clean = pytest(copy, sorted({test for mutant in chosen for test in mutant.tests}))
        if clean.returncode != 0:
            print(clean.stdout[-2000:])
            print("The named tests do not all pass on the unmutated code.")
            return 2
        verdicts = [(mutant, verdict(mutant, copy)) for mutant in chosen]
    for mutant, outcome in verdicts:
        print(f"{outcome:9} {mutant.path}: {mutant.name}")
    killed = sum(outcome == "killed" for _, outcome in verdicts)
    print(f"{killed} of {len(verdicts)} killed")
    return 0 if killed == len(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
