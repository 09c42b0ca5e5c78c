# pushbench as a container image: a static binary on distroless, run as the
# non-root user. `make image` builds it (IMAGE=pushbench:dev); deploy/k8s/ runs
# it as a coordinator Job and an Indexed Job of workers.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first: this layer stays cached while only the sources change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: a static binary that needs no libc in the final image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /pushbench .

# distroless static: CA certificates (wss:// and https:// targets), tzdata and
# a nonroot user (65532), no shell and no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /pushbench /pushbench
USER nonroot:nonroot
ENTRYPOINT ["/pushbench"]
