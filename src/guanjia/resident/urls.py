from django.urls import path

from guanjia.resident import views

app_name = "resident"

urlpatterns = [
    path("", views.home, name="home"),
    path("r/<str:code>", views.qr, name="qr"),
    path("order/place/buildings", views.buildings, name="buildings"),
    path("order/place/units", views.units, name="units"),
    path("order/<str:code>/place", views.place, name="place"),
    path("order/<str:code>/", views.order, name="order"),
    path("my/", views.my_orders, name="my"),
    path("my/verify", views.my_verify, name="my-verify"),
    path("my/leave", views.my_leave, name="my-leave"),
    path("t/<str:token>", views.track, name="track"),
    path("t/<str:token>/done", views.done, name="done"),
    path("t/<str:token>/photos/<int:pk>", views.track_photo, name="track-photo"),
    path("t/<str:token>/rate", views.rate, name="rate"),
    path("t/<str:token>/cancel", views.cancel, name="cancel"),
    path("t/<str:token>/reopen", views.reopen, name="reopen"),
]
