"""Log in, log out, change password: Django's auth views with the workbench's templates."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class LoginView(auth_views.LoginView):
    template_name = "workbench/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["failure_limit"] = settings.AXES_FAILURE_LIMIT
        ctx["cooloff_minutes"] = round(settings.AXES_COOLOFF_TIME * 60)
        return ctx


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "workbench/password_change.html"
    success_url = reverse_lazy("workbench:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "workbench/password_change_done.html"
