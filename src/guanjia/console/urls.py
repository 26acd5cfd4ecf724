from django.urls import path

from guanjia.console import views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("new/lookup", views.lookup, name="lookup"),
    path("t/<str:number>/", views.ticket, name="ticket"),
    path("t/<str:number>/<str:action>/", views.act, name="act"),
    path("print/t/<str:number>/", views.print_ticket, name="print-ticket"),
    path("print/posters/", views.print_posters, name="print-posters"),
    path(
        "print/posters/<int:compound_id>/",
        views.print_compound_posters,
        name="print-compound-posters",
    ),
]
