from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain: every row unchanged, none removed."

    def handle(self, *args, **options):
        verdict = audit_chain_verify()
        for row_id, problem in verdict.problems:
            what = "was changed" if problem == "changed" else "follows a missing row"
            self.stderr.write(f"row {row_id} {what}")
        if not verdict.intact:
            raise CommandError(f"audit chain broken: {len(verdict.problems)} problem(s)")
        self.stdout.write(
            f"audit chain intact: {verdict.rows} rows ({verdict.first_id}–{verdict.last_id})"
        )
