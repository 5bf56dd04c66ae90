"""manage.py team_link: make a team link and print it as CSV (name,link,uses,expires_at)."""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from invites.batch.csv_output import OutputRefused, team_link_csv, utc_iso
from invites.keys.kinds import TEAM
from invites.keys.urls import key_url
from invites.management.commands._options import (
    add_output_arguments,
    links_output,
    max_age_option,
)
from invites.models import Link
from invites.team_links.services import MAX_USES, team_link_create


class Command(BaseCommand):
    help = _(
        "Make a team link: one link many people join through, each making an account with "
        "the given groups, up to --uses accounts. Prints it as CSV (name,link,uses,expires_at)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", required=True, help=_("What it is for, shown on the join page.")
        )
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            metavar="NAME",
            help=_("A group everyone who joins gets (repeat for several). It must exist."),
        )
        parser.add_argument(
            "--uses",
            type=int,
            required=True,
            metavar="N",
            help=_("How many accounts the link can make, 1 to %(max)d.") % {"max": MAX_USES},
        )
        parser.add_argument(
            "--expires-in",
            metavar="DURATION",
            help=_("How long the link stays valid: 90m, 36h, 7d. Default: INVITE_MAX_AGE."),
        )
        parser.add_argument(
            "--approval",
            action="store_true",
            help=_("Each join waits for an administrator's approval (an access request)."),
        )
        add_output_arguments(parser)

    def handle(self, *args, **options):
        self.stderr.style_func = None
        name = options["name"].strip()
        if not name:
            raise CommandError(_("--name: give the link a name, e.g. “Data workshop, March”."))
        uses = options["uses"]
        if not 1 <= uses <= MAX_USES:
            raise CommandError(
                _("--uses: give a number from 1 to %(max)d; for more, make several links.")
                % {"max": MAX_USES}
            )
        max_age = max_age_option(options["expires_in"], option="--expires-in")
        groups = self._groups(options["group"])
        output = links_output(options, stdout=self.stdout)
        issued = team_link_create(
            name=name,
            groups=groups,
            uses=uses,
            issuer=None,
            via=Link.Via.COMMAND,
            max_age=max_age,
            approval=options["approval"],
        )
        team_link = issued.team_link
        csv_text = team_link_csv(
            name=team_link.name,
            url=key_url(TEAM, issued.secret),
            uses=team_link.uses_allowed,
            expires_at=team_link.expires_at,
        )
        try:
            output.write_text(csv_text)
        except OutputRefused as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] >= 1:
            self.stderr.write(
                ngettext(
                    "Made a team link for %(count)d account, valid until %(expires_at)s.",
                    "Made a team link for %(count)d accounts, valid until %(expires_at)s.",
                    uses,
                )
                % {"count": uses, "expires_at": utc_iso(team_link.expires_at)}
            )
            if team_link.approval:
                self.stderr.write(
                    _("Each join waits for an administrator's approval in Admin → Access requests.")
                )

    @staticmethod
    def _groups(names: list[str]) -> list[Group]:
        """The groups named, or ``CommandError`` naming each that does not exist."""
        found = {group.name: group for group in Group.objects.filter(name__in=names)}
        missing = [name for name in names if name not in found]
        if missing:
            raise CommandError(
                ngettext(
                    "No group is called %(names)s; create it in Admin → Groups first. "
                    "Nothing was made.",
                    "No groups are called %(names)s; create them in Admin → Groups first. "
                    "Nothing was made.",
                    len(missing),
                )
                % {"names": ", ".join(repr(name) for name in missing)}
            )
        return list(dict.fromkeys(found[name] for name in names))
