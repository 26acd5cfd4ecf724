from django.urls import path

from guanjia.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bell", views.bell, name="bell"),
    path("<int:pk>/read", views.read, name="read"),
    path("read-all", views.read_all, name="read-all"),
]
