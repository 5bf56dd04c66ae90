from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """Site-wide pieces: templates' context, error views, deployment checks."""

    name = "project"
    verbose_name = "Project"

    def ready(self) -> None:
        from project import checks  # noqa: F401  (registers the checks)
