from django.urls import path

from guanjia.triage import views

app_name = "triage"

urlpatterns = [
    path("robot/<str:street>", views.robot_callback, name="robot"),
]
