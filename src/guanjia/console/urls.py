from django.urls import path

from guanjia.console import intake_views, plan_views, roster_views, views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("new/lookup", views.lookup, name="lookup"),
    path("t/<str:number>/", views.ticket, name="ticket"),
    path("t/<str:number>/reclassify/", intake_views.reclassify, name="reclassify"),
    path("t/<str:number>/<str:action>/", views.act, name="act"),
    path("intake/paste/", intake_views.paste, name="intake-paste"),
    path("intake/accuracy/", intake_views.accuracy, name="intake-accuracy"),
    path("intake/<int:message_id>/", intake_views.draft, name="intake-draft"),
    path("intake/<int:message_id>/confirm/", intake_views.draft_confirm, name="intake-confirm"),
    path("intake/<int:message_id>/discard/", intake_views.draft_discard, name="intake-discard"),
    path("roster/", roster_views.roster, name="roster"),
    path("roster/<str:what>/", roster_views.roster_add, name="roster-add"),
    path("roster/<str:what>/<int:pk>/delete/", roster_views.roster_delete, name="roster-delete"),
    path("plan/", plan_views.plan, name="plan"),
    path("plan/apply", plan_views.plan_apply, name="plan-apply"),
    path("print/t/<str:number>/", views.print_ticket, name="print-ticket"),
    path("print/posters/", views.print_posters, name="print-posters"),
    path(
        "print/posters/<int:compound_id>/",
        views.print_compound_posters,
        name="print-compound-posters",
    ),
    path("followup/", views.followup_list, name="followup"),
    path("followup/<str:number>/", views.followup_call, name="followup-call"),
]
