from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files, falling back to plain names.

    A file that collectstatic has not processed (not run yet, as in tests or a
    quick start) is referred to by its plain name, which whitenoise serves
    through the finders, instead of turning every page into an error.
    """

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name
