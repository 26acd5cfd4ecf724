from django.urls import path

from guanjia.tickets import views

app_name = "tickets"

urlpatterns = [
    path("photos/<int:pk>", views.photo, name="photo"),
]
