from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "信访通 管理后台"
admin.site.site_title = "信访通"
admin.site.index_title = "系统配置"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("portal/", include("xinfang.portal.urls")),
    path("supervision/", include("xinfang.supervision.urls")),
    path("leaders/", include("xinfang.leaders.urls")),
    path("prevention/", include("xinfang.prevention.urls")),
    path("stats/", include("xinfang.stats.urls")),
    path("", include("xinfang.workbench.urls")),
]
