from django.urls import path

from guanjia.workbench import views

app_name = "workbench"

urlpatterns = [
    path("", views.home, name="home"),
    path("t/<str:number>/", views.task, name="task"),
    path("t/<str:number>/act", views.act, name="act"),
    path("t/<str:number>/photo", views.photo, name="photo"),
    path("t/<str:number>/call", views.call, name="call"),
]
