"""Review pages: the coordinator's review board (assign reviewers, see the scores, shortlist) and the
reviewer's own reviews (declare a conflict of interest, then score)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from projects.views import add_service_errors

from .. import selectors, services
from ..forms.review import DeclarationForm, ReviewerAssignForm, ScoreForm, ShortlistForm
from ..models import Call, Proposal, Review
from .calls import call_to_manage

__all__ = ["urlpatterns"]


class ReviewBoardView(LoginRequiredMixin, View):
    """The proposals in review × their reviewers, each proposal's average and rank, and (while the
    call is in review) the forms to assign reviewers and to shortlist."""

    template_name = "grants/review/board.html"

    def get(self, request, pk):
        return self.render_board(request, call_to_manage(request, pk))

    def render_board(self, request, call: Call, assign_form=None, shortlist_form=None, status: int = 200):
        rows = selectors.review_board(call)
        in_review = [row.proposal for row in rows if row.proposal.status == Proposal.Status.IN_REVIEW]
        context = {
            "project": call.project,
            "call": call,
            "rows": rows,
            "is_in_review": call.phase == Call.Phase.IN_REVIEW,
            "assign_form": assign_form or self.assign_form(call, in_review),
            "shortlist_form": shortlist_form or ShortlistForm(proposals=in_review),
        }
        return render(request, self.template_name, context, status=status)

    @staticmethod
    def assign_form(call: Call, in_review: list[Proposal], data=None) -> ReviewerAssignForm:
        candidates = list(selectors.reviewer_candidates(call.project))
        return ReviewerAssignForm(data, proposals=in_review, candidates=candidates)


class ReviewerAssignView(ReviewBoardView):
    """Ask someone to review a proposal in review; asking the same person again changes nothing."""

    http_method_names = ["post"]

    def post(self, request, pk):
        call = call_to_manage(request, pk)
        form = self.assign_form(call, selectors.proposals_in_review(call), request.POST)
        if form.is_valid():
            proposal, reviewer = form.assignment()
            try:
                services.review_assign(actor=request.user, proposal=proposal, reviewer=reviewer)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(reviewer)s is asked to review “%(proposal)s”.") % {"reviewer": reviewer, "proposal": proposal},
                )
                return redirect("grants:review-board", pk=call.pk)
        return self.render_board(request, call, assign_form=form, status=400)


class ShortlistView(ReviewBoardView):
    """End the review: shortlist the chosen proposals; the others are not selected, with the reason."""

    http_method_names = ["post"]

    def post(self, request, pk):
        call = call_to_manage(request, pk)
        form = ShortlistForm(request.POST, proposals=selectors.proposals_in_review(call))
        if form.is_valid():
            try:
                services.shortlist(
                    actor=request.user, call=call, proposals=form.chosen(), reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The shortlist is decided; the call is now in selection."))
                return redirect("grants:call", pk=call.pk)
        return self.render_board(request, call, shortlist_form=form, status=400)


class MyReviewsView(LoginRequiredMixin, View):
    """The reviews the user was asked to write, with where each one stands."""

    def get(self, request):
        return render(request, "grants/review/my_reviews.html", {"reviews": selectors.reviews_of(request.user)})


class ReviewView(LoginRequiredMixin, View):
    """A reviewer's review: first the conflict-of-interest declaration, then the scores beside the
    proposal's content and budget. Only the reviewer may open it."""

    template_name = "grants/review/review.html"

    def get(self, request, pk):
        review = selectors.review_for_page(request.user, pk)
        return self.render(request, review)

    def post(self, request, pk):
        review = selectors.review_for_page(request.user, pk)
        form = self.score_form(review, request.POST)
        if form.is_valid():
            try:
                services.review_submit(
                    actor=request.user, review=review, scores=form.scores(), comment=form.cleaned_data["comment"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your review was submitted. Thank you."))
                return redirect("grants:my-reviews")
        return self.render(request, review, score_form=form, status=400)

    @staticmethod
    def score_form(review: Review, data=None) -> ScoreForm:
        return ScoreForm(
            data,
            rubric=list(review.proposal.call.scoring_criteria.all()),
            scores={score.criterion_id: score.score for score in review.scores.all()},
            initial={"comment": review.comment},
        )

    def render(self, request, review: Review, declaration_form=None, score_form=None, status: int = 200):
        proposal = review.proposal
        context = {
            "project": proposal.call.project,
            "review": review,
            "proposal": proposal,
            "budget": selectors.proposal_budget(proposal),
            "share": services.cofinancing_share(proposal),
            "declaration_form": declaration_form or DeclarationForm(),
            "score_form": score_form or self.score_form(review),
            "may_score": review.has_conflict is False and proposal.status == Proposal.Status.IN_REVIEW,
        }
        return render(request, self.template_name, context, status=status)


class ReviewDeclareView(ReviewView):
    """The reviewer's declaration, once; declaring the same again (a double click) changes nothing."""

    http_method_names = ["post"]

    def post(self, request, pk):
        review = selectors.review_for_page(request.user, pk)
        form = DeclarationForm(request.POST)
        if form.is_valid():
            try:
                declared = services.review_declare(
                    actor=request.user, review=review, has_conflict=form.cleaned_data["has_conflict"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if declared.has_conflict:
                    messages.info(
                        request, _("Your conflict of interest is recorded; the coordinator will ask someone else.")
                    )
                else:
                    messages.success(request, _("Thank you. You may now score the proposal."))
                return redirect("grants:review", pk=review.pk)
        return self.render(request, review, declaration_form=form, status=400)


urlpatterns = [
    path("calls/<int:pk>/review/", ReviewBoardView.as_view(), name="review-board"),
    path("calls/<int:pk>/review/assign/", ReviewerAssignView.as_view(), name="review-assign"),
    path("calls/<int:pk>/review/shortlist/", ShortlistView.as_view(), name="shortlist"),
    path("reviews/", MyReviewsView.as_view(), name="my-reviews"),
    path("reviews/<int:pk>/", ReviewView.as_view(), name="review"),
    path("reviews/<int:pk>/declare/", ReviewDeclareView.as_view(), name="review-declare"),
]
