"""GeoReport v2 routes. The format is the path suffix; views answer 404 for any but json/xml."""

from django.urls import path

from guanjia.open311 import views

app_name = "open311"

urlpatterns = [
    path("discovery.<str:fmt>", views.discovery, name="discovery"),
    path("v2/services.<str:fmt>", views.services, name="services"),
    # <str:code> is greedy, so a code with dots (repair.corridor_light.json) keeps them.
    path("v2/services/<str:code>.<str:fmt>", views.service_definition, name="service"),
    path("v2/requests.<str:fmt>", views.requests, name="requests"),
    path("v2/requests/<str:number>.<str:fmt>", views.request_detail, name="request"),
    path("v2/tokens/<str:token>.<str:fmt>", views.token, name="token"),
]
