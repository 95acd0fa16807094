"""``monthly/?month=YYYY-MM`` and ``annual/?year=YYYY``: the reports as .docx downloads.

Included by ``stats.urls`` under ``/stats/reports/``, in its namespace: ``stats:report_monthly``, ``stats:report_annual``.
"""

from django.urls import path

from xinfang.stats import report_views

urlpatterns = [
    path("monthly/", report_views.monthly, name="report_monthly"),
    path("annual/", report_views.annual, name="report_annual"),
]
