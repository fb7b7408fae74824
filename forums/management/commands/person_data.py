"""Export or erase one person's data: named-participant rows found by name, an account found by e-mail."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.services import account_anonymise, account_export
from forums import services


class Command(BaseCommand):
    help = (
        "export: write one person's data as JSON (named-participant rows with their sessions; with --email, "
        "the account's profile, memberships and the changes it made). erase: delete the participant rows and "
        "anonymise the account. Scanned sign-in sheets are images: check them by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--name", required=True, help="Full name as listed (case and extra spaces ignored).")
        parser.add_argument("--email", help="The person's account, if they have one.")
        parser.add_argument("--output", help="export: file to write (default: standard output).")
        parser.add_argument("--dry-run", action="store_true", help="erase: only say what would be erased.")
        parser.add_argument("--yes", action="store_true", help="erase: do not ask for confirmation.")

    def handle(self, *args, action: str, name: str, email: str | None, **options):
        user = self.account(email)
        if action == "export":
            self.export(name, user, options["output"])
        else:
            self.erase(name, user, dry_run=options["dry_run"], confirmed=options["yes"])

    def account(self, email: str | None) -> User | None:
        if not email:
            return None
        try:
            return User.objects.get(email__iexact=email.strip())
        except User.DoesNotExist:
            raise CommandError(f"No account has the e-mail address {email}.") from None

    def export(self, name: str, user: User | None, output: str | None) -> None:
        data = {
            "name": name,
            "named_participant_rows": services.participants_export(full_name=name),
            "account": account_export(user=user) if user else None,
        }
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(text)

    def erase(self, name: str, user: User | None, *, dry_run: bool, confirmed: bool) -> None:
        rows = services.participants_named(name).count()
        plan = f"{rows} named-participant rows of {name!r}"
        if user:
            plan += f" and the account {user.email} (anonymised, memberships and tokens removed)"
        if dry_run:
            self.stdout.write(f"Would erase {plan}.")
            return
        if not confirmed and input(f"Erase {plan}? This cannot be undone. [y/N] ").strip().lower() != "y":
            raise CommandError("Nothing was erased.")
        with transaction.atomic():
            deleted = services.participants_erase(full_name=name)
            if user:
                account_anonymise(user=user)
        self.stdout.write(
            f"Erased {deleted} named-participant rows" + (" and anonymised the account." if user else ".")
        )
