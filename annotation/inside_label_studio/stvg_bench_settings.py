"""Django settings of a Label Studio started by stvg-bench: Label Studio's own, plus the annotator guard."""

import os

# Label Studio's settings read django.conf.settings while they are being imported (to set up Sentry).
# That early read builds a provisional settings object from DJANGO_SETTINGS_MODULE; let it be built from
# Label Studio's module, as when that module is the settings module. Django then builds the final settings
# object from this module, once it is complete.
OWN_NAME = os.environ["DJANGO_SETTINGS_MODULE"]
os.environ["DJANGO_SETTINGS_MODULE"] = "label_studio.core.settings.label_studio"
try:
    from label_studio.core.settings.label_studio import *
finally:
    os.environ["DJANGO_SETTINGS_MODULE"] = OWN_NAME

MIDDLEWARE.append("stvg_bench_guard.AnnotatorGuard")
