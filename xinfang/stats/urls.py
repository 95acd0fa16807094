from django.urls import include, path

from xinfang.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.page, name="page"),
    path("items/", views.items, name="items"),
    path("export/", views.export, name="export"),
    # The monthly 通报 and the annual report (.docx downloads; their own views decide who may read them).
    path("reports/", include("xinfang.stats.report_urls")),
]
