# Bundled handlers, installed to $(pkglibexecdir).
